"""Word lists for a German agency's data: people, companies, stores, cities, streets."""

from __future__ import annotations

FIRST_NAMES = (
    "Anna", "Jürgen", "Björn", "Sören", "Özlem", "Lena", "Maximilian", "Sophie", "Lukas",
    "Marie", "Jonas", "Emilia", "Felix", "Hannah", "Paul", "Lea", "Leon", "Mia", "Finn",
    "Clara", "Elias", "Johanna", "Ben", "Katharina", "Tobias", "Sabine", "Thomas", "Andrea",
    "Michael", "Petra", "Stefan", "Claudia", "Andreas", "Monika", "Frank", "Ute", "Jörg",
    "Birgit", "Uwe", "Gülsen", "Matthias", "Christine", "Markus", "Susanne", "Florian",
    "Julia", "Sebastian", "Nina", "Dominik", "Laura", "Kai", "Franziska", "Timo", "Jana",
    "René", "Zoë", "Malte", "Wiebke", "Henrik", "Marlene",
)  # fmt: skip

LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
    "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
    "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze",
    "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs",
    "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel",
    "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
    "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus",
    "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß",
    "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Schulte", "Dietrich",
    "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Thomas",
    "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer", "Yilmaz", "Kaya", "Nowak", "Kowalski",
    "O'Brien", "Dąbrowski", "Đorđević", "Van der Berg", "Mac Donald", "Lefèvre",
)  # fmt: skip

TRADES = (
    "Getränke", "Bäckerei", "Metzgerei", "Feinkost", "Weinhandel", "Autohaus", "Elektro",
    "Sanitär", "Gastronomie", "Catering", "Brauerei", "Kaffeerösterei", "Obst & Gemüse",
    "Reformhaus", "Drogerie", "Blumen", "Tabakwaren", "Kiosk", "Hotel", "Apotheke",
    "Zweirad", "Optik", "Schreibwaren", "Spielwaren", "Naturkost",
)  # fmt: skip

LEGAL_FORMS = ("GmbH", "GmbH & Co. KG", "KG", "e.K.", "OHG", "AG", "UG (haftungsbeschränkt)")

CHAINS = (
    "EDEKA", "REWE", "Kaufland", "Globus", "Marktkauf", "tegut", "HIT", "famila", "Combi",
    "Netto", "Penny", "nah & gut", "Real", "Hieber", "Feneberg", "Wasgau", "Bünting",
    "Citti", "Sky", "Denn's",
)  # fmt: skip

STORE_SUFFIXES = ("Center", "Markt", "Frischemarkt", "City", "Süd", "Nord", "Ost", "West")

CITIES = (
    "Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf",
    "Leipzig", "Dortmund", "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg",
    "Bochum", "Wuppertal", "Bielefeld", "Bonn", "Münster", "Mannheim", "Karlsruhe",
    "Augsburg", "Wiesbaden", "Mönchengladbach", "Gelsenkirchen", "Aachen", "Braunschweig",
    "Kiel", "Chemnitz", "Halle (Saale)", "Magdeburg", "Freiburg im Breisgau", "Krefeld",
    "Mainz", "Lübeck", "Erfurt", "Oberhausen", "Rostock", "Kassel", "Hagen", "Potsdam",
    "Saarbrücken", "Hamm", "Ludwigshafen am Rhein", "Oldenburg", "Mülheim an der Ruhr",
    "Osnabrück", "Leverkusen", "Heidelberg", "Darmstadt", "Solingen", "Regensburg",
    "Herne", "Paderborn", "Neuss", "Ingolstadt", "Offenbach am Main", "Fürth", "Würzburg",
    "Ulm", "Heilbronn", "Pforzheim", "Wolfsburg", "Göttingen", "Bottrop", "Reutlingen",
    "Koblenz", "Bremerhaven", "Recklinghausen", "Bergisch Gladbach", "Erlangen", "Jena",
    "Remscheid", "Trier", "Salzgitter", "Moers", "Siegen", "Hildesheim", "Cottbus",
    "Kaiserslautern", "Gütersloh", "Witten", "Schwerin", "Gera", "Iserlohn", "Zwickau",
    "Düren", "Esslingen am Neckar", "Ratingen", "Lünen", "Hanau", "Marl", "Flensburg",
    "Velbert", "Ludwigsburg", "Tübingen", "Villingen-Schwenningen", "Konstanz", "Worms",
    "Bamberg", "Görlitz", "Überlingen", "Öhringen", "Bad Tölz", "Garmisch-Partenkirchen",
)  # fmt: skip

STREETS = (
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße",
    "Bergstraße", "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße",
    "Schillerstraße", "Goethestraße", "Jahnstraße", "Mühlenweg", "Am Sportplatz",
    "Friedrichstraße", "Königsallee", "Marktplatz", "Industriestraße", "Gewerbering",
    "Rosenweg", "Wiesenweg", "Blumenstraße", "Feldstraße",
)  # fmt: skip

STATES = (
    "Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen", "Hamburg", "Hessen",
    "Mecklenburg-Vorpommern", "Niedersachsen", "Nordrhein-Westfalen", "Rheinland-Pfalz",
    "Saarland", "Sachsen", "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen",
)  # fmt: skip

REGIONS = ("Nord", "Süd", "Ost", "West")

POSITIONS = (
    "Geschäftsführer", "Einkauf", "Marktleitung", "Filialleitung", "Inhaberin", "Inhaber",
    "Buchhaltung", "Vertrieb", "Assistenz", "Abteilungsleitung Getränke", "",
)  # fmt: skip

PRODUCTS = (
    "Sommerbowle", "Craft Beer Tasting", "Kaffee-Aktion", "Bio-Woche", "Grillsaison",
    "Weinprobe", "Schokoladen-Special", "Energy Drink Launch", "Käse-Verkostung",
    "Mineralwasser-Relaunch", "Winterpunsch", "Eis-Sampling",
)  # fmt: skip

REPORT_LABELS = (
    "Verkaufte Einheiten", "Kundenkontakte", "Verkostungen", "Platzierung gut sichtbar",
    "Bemerkungen", "Ware ausreichend vorhanden", "Abverkauf Zweitplatzierung",
)  # fmt: skip

ACTIVITY_SUBJECTS = (
    "Rückruf wegen Bestellung", "Angebot besprochen", "Termin vor Ort", "Reklamation",
    "Jahresgespräch", "Preisliste zugeschickt", "Neue Sortimentsliste", "Listungsgespräch",
    "Aktion abgestimmt", "Nachfrage Lieferung",
)  # fmt: skip
