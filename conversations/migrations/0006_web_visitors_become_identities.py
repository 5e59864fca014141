from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("conversations", "0005_identities_from_visitors_and_columns")]

    operations = [migrations.DeleteModel(name="WebVisitor")]
