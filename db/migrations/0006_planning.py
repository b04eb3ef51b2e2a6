from tortoise import migrations
from tortoise.migrations import operations as ops
from db.models.planning import ContactOutcome, ContactPlanPurpose
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_promotions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContactPlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('purpose', fields.CharEnumField(description='ORDER_INTAKE: ORDER_INTAKE\nMARKET_RESEARCH: MARKET_RESEARCH\nOTHER: OTHER', enum_type=ContactPlanPurpose, max_length=16)),
                ('weekdays', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('responsible', fields.ForeignKeyField('models.User', source_field='responsible_id', null=True, db_constraint=True, to_field='id', related_name='contact_plans', on_delete=OnDelete.SET_NULL)),
                ('valid_from', fields.DateField()),
                ('valid_until', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contact_plans', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactPlanException',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('models.ContactPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='exceptions', on_delete=OnDelete.CASCADE)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('reason', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'contact_plan_exceptions', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Days on which the plan does not run, both ends inclusive.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactPlanMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('models.ContactPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='plan_memberships', on_delete=OnDelete.CASCADE)),
                ('contact_person', fields.ForeignKeyField('models.ContactPerson', source_field='contact_person_id', null=True, db_constraint=True, to_field='id', related_name='plan_memberships', on_delete=OnDelete.SET_NULL)),
                ('phone', fields.CharField(max_length=20)),
                ('contact_from', fields.CharField(null=True, max_length=5)),
                ('contact_until', fields.CharField(null=True, max_length=5)),
            ],
            options={'table': 'contact_plan_members', 'app': 'models', 'unique_together': (('plan', 'address'),), 'pk_attr': 'id', 'table_description': 'A customer in a plan, with the number to call and when to call.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.CASCADE)),
                ('delivery_date', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'orders', 'app': 'models', 'unique_together': (('address', 'delivery_date'),), 'pk_attr': 'id', 'table_description': 'An order taken during a call. One per customer and delivery date: a second order'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('item', fields.CharField(max_length=200)),
                ('quantity', fields.IntField()),
            ],
            options={'table': 'order_lines', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScheduledContact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('models.ContactPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='scheduled_contacts', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.ContactPlanMember', source_field='member_id', db_constraint=True, to_field='id', related_name='scheduled_contacts', on_delete=OnDelete.CASCADE)),
                ('date', fields.DateField()),
                ('window_start', fields.CharField(default='00:00', max_length=5)),
                ('status', fields.CharEnumField(default=ContactOutcome.OPEN, description='OPEN: OPEN\nCOMPLETED: COMPLETED\nNOT_REACHED: NOT_REACHED\nBUSY: BUSY\nCALL_BACK: CALL_BACK\nORDER_PLACED: ORDER_PLACED', enum_type=ContactOutcome, max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
                ('order', fields.ForeignKeyField('models.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='scheduled_contacts', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'scheduled_contacts', 'app': 'models', 'unique_together': (('plan', 'member', 'date'),), 'indexes': [Index(fields=['plan_id', 'date', 'window_start', 'id'])], 'pk_attr': 'id', 'table_description': 'One call to make. (plan, member, date) is unique, so no run creates it twice.'},
            bases=['Model'],
        ),
    ]
