from django import forms

from conversations.models import Persona


class PersonaForm(forms.ModelForm):
    class Meta:
        model = Persona
        fields = ["coach_name", "greeting", "voice", "rules"]
        widgets = {"voice": forms.Textarea(attrs={"rows": 4}), "rules": forms.Textarea(attrs={"rows": 6})}
