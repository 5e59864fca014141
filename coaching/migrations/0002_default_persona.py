from django.db import migrations


def create_default_persona(apps, schema_editor):
    Persona = apps.get_model("coaching", "Persona")
    if not Persona.objects.exists():
        Persona.objects.create()


def remove_personas(apps, schema_editor):
    apps.get_model("coaching", "Persona").objects.all().delete()


class Migration(migrations.Migration):
    """Every creator schema starts with one persona (new creators get it through the template clone)."""

    dependencies = [("coaching", "0001_persona")]
    operations = [migrations.RunPython(create_default_persona, remove_personas)]
