from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.promotions import AppointmentStatus, BookingStatus, ReportFieldType
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_activities_tasks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Project',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Address', source_field='customer_id', db_constraint=True, to_field='id', related_name='projects', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('starts_on', fields.DateField(null=True)),
                ('ends_on', fields.DateField(null=True)),
                ('responsible', fields.ForeignKeyField('models.User', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name='responsible_projects', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'projects', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiTokenProject',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('api_token', fields.ForeignKeyField('models.ApiToken', source_field='api_token_id', db_constraint=True, to_field='id', related_name='project_links', on_delete=OnDelete.CASCADE)),
                ('project', fields.ForeignKeyField('models.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='api_token_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'api_token_projects', 'app': 'models', 'unique_together': (('api_token', 'project'),), 'pk_attr': 'id', 'table_description': 'Limits an API token to some projects.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Location',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('models.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='locations', on_delete=OnDelete.CASCADE)),
                ('store', fields.ForeignKeyField('models.Address', source_field='store_id', db_constraint=True, to_field='id', related_name='locations', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'locations', 'app': 'models', 'unique_together': (('project', 'store'),), 'pk_attr': 'id', 'table_description': 'A store taking part in a project.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Appointment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('location', fields.ForeignKeyField('models.Location', source_field='location_id', db_constraint=True, to_field='id', related_name='appointments', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('promoters_needed', fields.IntField()),
                ('note', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(description='REQUESTED: REQUESTED\nCONFIRMED: CONFIRMED\nREJECTED: REJECTED\nCANCELLED: CANCELLED\nCOMPLETED: COMPLETED', enum_type=AppointmentStatus, max_length=10)),
                ('requested_by', fields.ForeignKeyField('models.ContactPerson', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='requested_appointments', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decided_appointments', on_delete=OnDelete.SET_NULL)),
                ('rejection_reason', fields.TextField(null=True, unique=False)),
                ('cancellation_reason', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'appointments', 'app': 'models', 'indexes': [Index(fields=['location_id', 'starts_at']), Index(fields=['starts_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProjectContact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('models.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='contact_links', on_delete=OnDelete.CASCADE)),
                ('contact_person', fields.ForeignKeyField('models.ContactPerson', source_field='contact_person_id', db_constraint=True, to_field='id', related_name='project_links', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'project_contacts', 'app': 'models', 'unique_together': (('project', 'contact_person'),), 'pk_attr': 'id', 'table_description': 'A customer contact assigned to a project: it appears in their portal.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Promoter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('street', fields.CharField(default='', max_length=200)),
                ('postal_code', fields.CharField(default='', max_length=20)),
                ('city', fields.CharField(default='', max_length=100)),
                ('birth_date', fields.DateField(null=True)),
                ('notes', fields.TextField(default='', unique=False)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='promoter', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'promoters', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A freelance promoter. Customers see the name, never the contact details.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Booking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('appointment', fields.ForeignKeyField('models.Appointment', source_field='appointment_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.CASCADE)),
                ('promoter', fields.ForeignKeyField('models.Promoter', source_field='promoter_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=BookingStatus.BOOKED, description='BOOKED: BOOKED\nCANCELLED: CANCELLED', enum_type=BookingStatus, max_length=10)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sequence', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bookings', 'app': 'models', 'indexes': [Index(fields=['promoter_id', 'starts_at']), Index(fields=['appointment_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A promoter staffed on an appointment. Times are copied so overlaps are one query.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.OneToOneField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='report', on_delete=OnDelete.CASCADE)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reports', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportField',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('models.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='report_fields', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(max_length=200)),
                ('type', fields.CharEnumField(description='NUMBER: NUMBER\nTEXT: TEXT\nBOOLEAN: BOOLEAN', enum_type=ReportFieldType, max_length=8)),
                ('required', fields.BooleanField(default=False)),
            ],
            options={'table': 'report_fields', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A question promoters answer in their report.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReportAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('models.Report', source_field='report_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('field', fields.ForeignKeyField('models.ReportField', source_field='field_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('value', fields.TextField(unique=False)),
            ],
            options={'table': 'report_answers', 'app': 'models', 'unique_together': (('report', 'field'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TimeEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='time_entries', on_delete=OnDelete.CASCADE)),
                ('checked_in_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('checked_out_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'time_entries', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
