"""The persona moves from `coaching` to `conversations`, where the turn core reads it.

State only: the table keeps its name (`coaching_persona`) in every creator's schema and in the
template, so no row is copied, renamed or lost, and going back is as cheap as going forward.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0006_web_visitors_become_identities"),
        ("coaching", "0004_checkup_question_public_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Persona",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("coach_name", models.CharField(default="Coach", max_length=80)),
                        (
                            "voice",
                            models.TextField(
                                default="Warm, encouraging and concrete. Short sentences. Ask one question at a time.",
                                help_text="Describe the tone and style your coach writes in.",
                                max_length=2000,
                            ),
                        ),
                        (
                            "rules",
                            models.TextField(
                                blank=True,
                                default="",
                                help_text="Things the coach must always or never do, one per line.",
                                max_length=4000,
                            ),
                        ),
                        (
                            "greeting",
                            models.CharField(
                                default="Hi! I'm your coach. What would you like to work on today?", max_length=300
                            ),
                        ),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_by_email", models.EmailField(blank=True, default="", max_length=254)),
                    ],
                    options={"db_table": "coaching_persona"},
                ),
            ],
            database_operations=[],
        ),
    ]
