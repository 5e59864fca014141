"""`coaching` lets go of the persona (conversations 0007 took it over); its table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0004_checkup_question_public_id"),
        ("conversations", "0007_persona_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Persona")],
            database_operations=[],
        ),
    ]
