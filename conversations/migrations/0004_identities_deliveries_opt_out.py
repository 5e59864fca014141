import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0003_contact_tags_and_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="contact", name="opted_out_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.CreateModel(
            name="ContactIdentity",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("outlet", models.CharField(max_length=20)),
                ("address", models.CharField(max_length=200)),
                ("verified", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identities",
                        to="conversations.contact",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["contact"], name="identity_by_contact")],
                "constraints": [
                    models.UniqueConstraint(fields=("outlet", "address"), name="identity_once_per_outlet")
                ],
            },
        ),
        migrations.CreateModel(
            name="Delivery",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("outlet", models.CharField(max_length=20)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sent", "Sent"),
                            ("delivered", "Delivered"),
                            ("read", "Read"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=300)),
                ("idempotency_key", models.CharField(blank=True, max_length=100, null=True, unique=True)),
                ("outlet_message_id", models.CharField(blank=True, max_length=200)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="conversations.message",
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["status", "-created_at"], name="delivery_by_status")]},
        ),
    ]
