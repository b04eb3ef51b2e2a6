from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.activities import ActivityDirection, ActivityKind, ActivityStatus, CampaignMemberStatus, CampaignStatus
from db.models.crm import AddressKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=CampaignStatus.ACTIVE, description='ACTIVE: ACTIVE\nARCHIVED: ARCHIVED', enum_type=CampaignStatus, max_length=10)),
                ('starts_on', fields.DateField(null=True)),
                ('ends_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'campaigns', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PortalInvitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('public_id', fields.CharField(unique=True, max_length=16)),
                ('secret_hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'portal_invitations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-time link that lets an invited customer set a password.'},
            bases=['Credential'],
        ),
        ops.CreateModel(
            name='TagGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
            ],
            options={'table': 'tag_groups', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.TagGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
            ],
            options={'table': 'tags', 'app': 'models', 'unique_together': (('group', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Subtag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tag', fields.ForeignKeyField('models.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name='subtags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
            ],
            options={'table': 'subtags', 'app': 'models', 'unique_together': (('tag', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Territory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('parent', fields.ForeignKeyField('models.Territory', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('path', fields.CharField(default='/', db_index=True, max_length=1000)),
            ],
            options={'table': 'territories', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A sales region in a tree. `path` ("/1/4/9/") finds a whole subtree with one prefix.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Address',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='COMPANY: COMPANY\nPERSON: PERSON\nSTORE: STORE', enum_type=AddressKind, max_length=10)),
                ('name', fields.CharField(max_length=200)),
                ('street', fields.CharField(default='', max_length=200)),
                ('postal_code', fields.CharField(default='', max_length=20)),
                ('city', fields.CharField(default='', max_length=100)),
                ('country', fields.CharField(default='DE', max_length=2)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('customer_number', fields.CharField(null=True, unique=True, max_length=50)),
                ('account_group', fields.ForeignKeyField('models.AccountGroup', source_field='account_group_id', null=True, db_constraint=True, to_field='id', related_name='addresses', on_delete=OnDelete.SET_NULL)),
                ('secondary_account_group', fields.ForeignKeyField('models.AccountGroup', source_field='secondary_account_group_id', null=True, db_constraint=True, to_field='id', related_name='secondary_addresses', on_delete=OnDelete.SET_NULL)),
                ('territory', fields.ForeignKeyField('models.Territory', source_field='territory_id', null=True, db_constraint=True, to_field='id', related_name='stores', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'addresses', 'app': 'models', 'indexes': [Index(fields=['name', 'id']), Index(fields=['account_group_id']), Index(fields=['secondary_account_group_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AddressSearchTerm',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='search_terms', on_delete=OnDelete.CASCADE)),
                ('term', fields.CharField(db_index=True, max_length=100)),
                ('weight', fields.SmallIntField()),
            ],
            options={'table': 'address_search_terms', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One folded word of an address (name, city, customer number, contact names).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='campaign_memberships', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=CampaignMemberStatus.OPEN, description='OPEN: OPEN\nCONTACTED: CONTACTED\nINTERESTED: INTERESTED\nNOT_INTERESTED: NOT_INTERESTED\nWON: WON', enum_type=CampaignMemberStatus, max_length=16)),
                ('handler', fields.ForeignKeyField('models.User', source_field='handler_id', null=True, db_constraint=True, to_field='id', related_name='handled_campaign_members', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'campaign_members', 'app': 'models', 'unique_together': (('campaign', 'address'),), 'pk_attr': 'id', 'table_description': 'An address assigned to a campaign. The handler is informative, not a visibility grant.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactPerson',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='contact_persons', on_delete=OnDelete.CASCADE)),
                ('first_name', fields.CharField(default='', max_length=100)),
                ('last_name', fields.CharField(max_length=100)),
                ('position', fields.CharField(default='', max_length=100)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='contact_person', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contact_persons', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Activity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.CASCADE)),
                ('contact_person', fields.ForeignKeyField('models.ContactPerson', source_field='contact_person_id', null=True, db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharEnumField(description='CALL: CALL\nEMAIL: EMAIL\nMEETING: MEETING\nLETTER: LETTER\nVISIT: VISIT\nNOTE: NOTE\nMEASURE: MEASURE', enum_type=ActivityKind, max_length=10)),
                ('direction', fields.CharEnumField(description='INBOUND: INBOUND\nOUTBOUND: OUTBOUND', enum_type=ActivityDirection, max_length=10)),
                ('status', fields.CharEnumField(description='PLANNED: PLANNED\nDONE: DONE\nNOT_DONE: NOT_DONE', enum_type=ActivityStatus, max_length=10)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('duration_minutes', fields.IntField(default=0)),
                ('subject', fields.CharField(max_length=300)),
                ('description', fields.TextField(default='', unique=False)),
                ('responsible', fields.ForeignKeyField('models.User', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name='responsible_activities', on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', db_constraint=True, to_field='id', related_name='created_activities', on_delete=OnDelete.RESTRICT)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.RESTRICT)),
                ('subtag', fields.ForeignKeyField('models.Subtag', source_field='subtag_id', null=True, db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.RESTRICT)),
                ('reminder', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'activities', 'app': 'models', 'indexes': [Index(fields=['address_id', 'starts_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ActivityParticipant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('activity', fields.ForeignKeyField('models.Activity', source_field='activity_id', db_constraint=True, to_field='id', related_name='participants', on_delete=OnDelete.CASCADE)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='participations', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'activity_participants', 'app': 'models', 'unique_together': (('activity', 'address'),), 'pk_attr': 'id', 'table_description': 'A further address taking part: the activity shows in its history too.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactTerritory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contact_person', fields.ForeignKeyField('models.ContactPerson', source_field='contact_person_id', db_constraint=True, to_field='id', related_name='territory_links', on_delete=OnDelete.CASCADE)),
                ('territory', fields.ForeignKeyField('models.Territory', source_field='territory_id', db_constraint=True, to_field='id', related_name='contact_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'contact_territories', 'app': 'models', 'unique_together': (('contact_person', 'territory'),), 'pk_attr': 'id', 'table_description': 'Limits a customer contact to the stores in these territories (and their subtrees).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InactivePeriod',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='inactive_periods', on_delete=OnDelete.CASCADE)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('reason', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'inactive_periods', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Days on which a customer must not be contacted (holidays), both ends inclusive.'},
            bases=['Model'],
        ),
    ]
