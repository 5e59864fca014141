"""A stable UUID for each check-up question, as every other id the API shows."""

import uuid

from django.db import migrations, models


def give_each_question_its_own_id(apps, schema_editor):
    question = apps.get_model("coaching", "CheckupQuestion")
    for pk in question.objects.values_list("pk", flat=True):
        question.objects.filter(pk=pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("coaching", "0003_checkup_questions")]

    operations = [
        migrations.AddField("checkupquestion", "public_id", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(give_each_question_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            "checkupquestion", "public_id", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        ),
    ]
