"""A creator's time zone and the language new contacts get: existing creators take the defaults."""

import tenants.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0003_public_ids_for_members_and_invitations'),
    ]

    operations = [
        migrations.AddField(
            model_name='creator',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('es', 'Español')], default='en', max_length=8),
        ),
        migrations.AddField(
            model_name='creator',
            name='timezone',
            field=models.CharField(default=tenants.models.default_time_zone, max_length=64, validators=[tenants.models.validate_time_zone]),
        ),
    ]
