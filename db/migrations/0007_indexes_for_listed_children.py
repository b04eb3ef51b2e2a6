from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_planning')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ContactPerson',
            index=Index(fields=['address_id', 'last_name', 'first_name', 'id']),
        ),
        ops.AddIndex(
            model_name='TimeEntry',
            index=Index(fields=['booking_id', 'checked_in_at', 'id']),
        ),
    ]
