"""Every browser (WebVisitor) and every email, phone and API id becomes an identity of its contact."""

from django.db import migrations

COLUMNS = (("email", "email"), ("phone", "phone"), ("external_id", "api"))


def forwards(apps, schema_editor):
    Contact = apps.get_model("conversations", "Contact")
    ContactIdentity = apps.get_model("conversations", "ContactIdentity")
    WebVisitor = apps.get_model("conversations", "WebVisitor")
    identities = [
        ContactIdentity(contact_id=v.contact_id, outlet="web", address=str(v.id), verified=True, created_at=v.created_at)
        for v in WebVisitor.objects.all()
    ]
    rows = Contact.objects.values_list("pk", "email", "phone", "external_id").iterator(chunk_size=2000)
    for pk, *values in rows:
        for (_column, outlet), value in zip(COLUMNS, values, strict=True):
            if value:
                # Typed in by the creator (API, import, hub) or by anyone in a sign-in form: nothing
                # here proves the person holds it. A sign-in link marks an email verified from now on.
                identities.append(ContactIdentity(contact_id=pk, outlet=outlet, address=value, verified=False))
    ContactIdentity.objects.bulk_create(identities, batch_size=1000, ignore_conflicts=True)


def backwards(apps, schema_editor):
    ContactIdentity = apps.get_model("conversations", "ContactIdentity")
    WebVisitor = apps.get_model("conversations", "WebVisitor")
    WebVisitor.objects.bulk_create(
        [
            WebVisitor(id=i.address, contact_id=i.contact_id, created_at=i.created_at)
            for i in ContactIdentity.objects.filter(outlet="web")
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    ContactIdentity.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_identities_deliveries_opt_out")]

    operations = [migrations.RunPython(forwards, backwards)]
