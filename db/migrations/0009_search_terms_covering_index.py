from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_appointments_by_status')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AddressSearchTerm',
            name='term',
            field=fields.CharField(max_length=100),
        ),
        ops.AddIndex(
            model_name='AddressSearchTerm',
            index=Index(fields=['term', 'address_id', 'weight']),
        ),
    ]
