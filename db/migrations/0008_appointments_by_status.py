from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_indexes_for_listed_children')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Appointment',
            index=Index(fields=['status', 'starts_at', 'id']),
        ),
    ]
