"""Stable UUIDs for team members and invitations, as every other id the API shows."""

import uuid

from django.db import migrations, models


def give_each_row_its_own_id(apps, schema_editor):
    for name in ("Membership", "Invitation"):
        model = apps.get_model("tenants", name)
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_api_keys")]

    operations = [
        migrations.AddField("membership", "public_id", models.UUIDField(null=True, editable=False)),
        migrations.AddField("invitation", "public_id", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(give_each_row_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            "membership", "public_id", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        ),
        migrations.AlterField(
            "invitation", "public_id", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        ),
    ]
