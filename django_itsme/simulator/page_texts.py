"""The simulator pages' words in English, French, Dutch and German, and the choice among them.

The itsme app speaks the first language of ``ui_locales`` it knows, English otherwise (D-AREQ
``ui_locales``); the simulator's pages do the same. Every entry is a :class:`Phrase` that must
name all four languages, so a missing translation fails when this module is imported, never as a
gap on a page. Text between backticks is code (pages show it as ``<code>``). Django's catalogues
are not used: the simulator runs without Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .protocol import CLAIM_PREFIX, UI_LOCALES

#: The languages of the pages, as ``ui_locales`` names them (D-AREQ).
LANGUAGES: Final = UI_LOCALES
#: The language when ``ui_locales`` names none of :data:`LANGUAGES` (the app's fallback).
DEFAULT_LANGUAGE: Final = "en"

_Q_VALUE = re.compile(r"^q=([01](?:\.\d{0,3})?)$")


@dataclass(frozen=True)
class Phrase:
    """One text in each language of the pages; ``{name}`` placeholders are filled by
    :meth:`render`.

    :param en: English.
    :param fr: French.
    :param nl: Dutch.
    :param de: German.
    """

    en: str
    fr: str
    nl: str
    de: str

    def render(self, language: str, **values: str) -> str:
        """Return the text in one language, placeholders filled (the result is not escaped).

        :param language: one of :data:`LANGUAGES`; anything else gives English.
        :param values: placeholder values.
        :returns: the text.
        """
        texts = {"en": self.en, "fr": self.fr, "nl": self.nl, "de": self.de}
        text = texts.get(language, self.en)
        return text.format(**values) if values else text


def choose_language(ui_locales: object) -> str:
    """Pick the page language from a ``ui_locales`` value (D-AREQ: space-separated tags, in
    order of preference).

    :param ui_locales: the parameter as received (any type; non-strings give the default).
    :returns: the first known language (region subtags ignored: ``nl-BE`` is ``nl``), or
        :data:`DEFAULT_LANGUAGE`.
    """
    if not isinstance(ui_locales, str):
        return DEFAULT_LANGUAGE
    for tag in ui_locales.split():
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def language_from_accept(header: str | None) -> str:
    """Pick the page language from an ``Accept-Language`` header (RFC 9110 §12.5.4).

    :param header: the header's value, if any.
    :returns: the known language with the highest weight (the first on a tie), or
        :data:`DEFAULT_LANGUAGE`.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        tag, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            found = _Q_VALUE.match(parameter.replace(" ", ""))
            if found:
                weight = float(found.group(1))
        if weight > 0:
            ranked.append((-weight, position, tag))
    return choose_language(" ".join(tag for _, _, tag in sorted(ranked)))


#: The texts of the pages, by name.
TEXTS: Final[Mapping[str, Phrase]] = MappingProxyType(
    {
        # Every page
        "simulator": Phrase(
            "itsme® simulator", "Simulateur itsme®", "itsme®-simulator", "itsme®-Simulator"
        ),
        "tagline": Phrase(
            "test provider, not the real itsme",
            "fournisseur de test, pas le vrai itsme",
            "testprovider, niet de echte itsme",
            "Testanbieter, nicht das echte itsme",
        ),
        "footer": Phrase(
            "Local OpenID Provider for tests. No real identity data is used.",
            "Fournisseur OpenID local pour les tests. Aucune donnée d'identité réelle n'est "
            "utilisée.",
            "Lokale OpenID-provider voor tests. Er worden geen echte identiteitsgegevens gebruikt.",
            "Lokaler OpenID-Provider für Tests. Es werden keine echten Identitätsdaten verwendet.",
        ),
        # The approval page
        "approve_title": Phrase(
            "Approve: {client}",
            "Approuver : {client}",
            "Goedkeuren: {client}",
            "Genehmigen: {client}",
        ),
        "approve_heading": Phrase(
            "{client} asks you to approve",
            "{client} vous demande d'approuver",
            "{client} vraagt uw goedkeuring",
            "{client} bittet um Ihre Genehmigung",
        ),
        "partner": Phrase("Partner", "Partenaire", "Partner", "Partner"),
        "service": Phrase("Service", "Service", "Dienst", "Dienst"),
        "security_level": Phrase(
            "Security level", "Niveau de sécurité", "Beveiligingsniveau", "Sicherheitsstufe"
        ),
        "level_advanced": Phrase("Advanced", "Avancé", "Geavanceerd", "Erweitert"),
        "level_basic": Phrase("Basic", "Basique", "Basis", "Basis"),
        "service_login": Phrase(
            "Log in (authentication)",
            "Connexion (authentification)",
            "Inloggen (authenticatie)",
            "Anmelden (Authentifizierung)",
        ),
        "service_share": Phrase(
            "Share identity data",
            "Partage de données d'identité",
            "Identiteitsgegevens delen",
            "Identitätsdaten teilen",
        ),
        "service_confirm": Phrase(
            "Confirm a transaction",
            "Confirmer une transaction",
            "Een transactie bevestigen",
            "Eine Transaktion bestätigen",
        ),
        "message_to_confirm": Phrase(
            "Message to confirm",
            "Message à confirmer",
            "Te bevestigen bericht",
            "Zu bestätigende Nachricht",
        ),
        "payment_to_confirm": Phrase(
            "Payment to confirm",
            "Paiement à confirmer",
            "Te bevestigen betaling",
            "Zu bestätigende Zahlung",
        ),
        "amount": Phrase("Amount", "Montant", "Bedrag", "Betrag"),
        "currency": Phrase("Currency", "Devise", "Valuta", "Währung"),
        "beneficiary_iban": Phrase(
            "Beneficiary IBAN",
            "IBAN du bénéficiaire",
            "IBAN van de begunstigde",
            "IBAN des Empfängers",
        ),
        "data_received": Phrase(
            "Data the partner will receive",
            "Données que le partenaire recevra",
            "Gegevens die de partner ontvangt",
            "Daten, die der Partner erhält",
        ),
        "login_only": Phrase(
            "The partner only learns that it is you (a pseudonymous identifier).",
            "Le partenaire apprend seulement que c'est vous (un identifiant pseudonyme).",
            "De partner weet alleen dat u het bent (een pseudonieme identificatiecode).",
            "Der Partner erfährt nur, dass Sie es sind (eine pseudonyme Kennung).",
        ),
        "signed_in_user": Phrase(
            "Signed-in user",
            "Utilisateur connecté",
            "Aangemelde gebruiker",
            "Angemeldeter Benutzer",
        ),
        "who_approves": Phrase(
            "Who approves in the itsme app?",
            "Qui approuve dans l'app itsme ?",
            "Wie keurt goed in de itsme-app?",
            "Wer genehmigt in der itsme-App?",
        ),
        "approve": Phrase("Approve", "Approuver", "Goedkeuren", "Genehmigen"),
        "refuse": Phrase("Refuse", "Refuser", "Weigeren", "Ablehnen"),
        # The error page
        "error_title": Phrase(
            "Error: {error}", "Erreur : {error}", "Fout: {error}", "Fehler: {error}"
        ),
        "error_heading": Phrase(
            "The request cannot be processed",
            "La demande ne peut pas être traitée",
            "Het verzoek kan niet worden verwerkt",
            "Die Anfrage kann nicht verarbeitet werden",
        ),
        "error_hint": Phrase(
            "The partner website sent an invalid request. Go back and try again.",
            "Le site du partenaire a envoyé une demande non valide. Revenez en arrière et "
            "réessayez.",
            "De website van de partner stuurde een ongeldig verzoek. Ga terug en probeer het "
            "opnieuw.",
            "Die Website des Partners hat eine ungültige Anfrage gesendet. Gehen Sie zurück und "
            "versuchen Sie es erneut.",
        ),
        # Test identities
        "all_data": Phrase("all data", "toutes les données", "alle gegevens", "alle Daten"),
        "no_email": Phrase(
            "no e-mail address", "pas d'adresse e-mail", "geen e-mailadres", "keine E-Mail-Adresse"
        ),
        "no_address": Phrase("no address", "pas d'adresse", "geen adres", "keine Adresse"),
        "no_national_number": Phrase(
            "no Belgian national register number",
            "pas de numéro de registre national belge",
            "geen Belgisch rijksregisternummer",
            "keine belgische Nationalregisternummer",
        ),
        "document_be_eid": Phrase(
            "Belgian eID card", "carte eID belge", "Belgische eID-kaart", "belgischer eID-Ausweis"
        ),
        "document_nl_passport": Phrase(
            "Dutch passport",
            "passeport néerlandais",
            "Nederlands paspoort",
            "niederländischer Reisepass",
        ),
        "document_other": Phrase(
            "identity document", "document d'identité", "identiteitsdocument", "Ausweisdokument"
        ),
        # The index page
        "index_title": Phrase(
            "A local itsme® for tests and demos",
            "Un itsme® local pour les tests et les démos",
            "Een lokale itsme® voor tests en demo's",
            "Ein lokales itsme® für Tests und Demos",
        ),
        "index_intro": Phrase(
            "This OpenID Provider runs on this computer and speaks itsme's v2 protocol to the "
            "websites registered below. Its approval page stands in for the itsme app. It never "
            "contacts the real itsme, and its people are invented.",
            "Ce fournisseur OpenID tourne sur cet ordinateur et parle le protocole v2 d'itsme "
            "aux sites enregistrés ci-dessous. Sa page d'approbation remplace l'app itsme. Il ne "
            "contacte jamais le vrai itsme, et ses personnes sont inventées.",
            "Deze OpenID-provider draait op deze computer en spreekt het v2-protocol van itsme "
            "met de websites die hieronder geregistreerd zijn. Zijn goedkeuringspagina speelt de "
            "itsme-app. Hij contacteert nooit de echte itsme, en zijn personen zijn verzonnen.",
            "Dieser OpenID-Provider läuft auf diesem Computer und spricht das v2-Protokoll von "
            "itsme mit den unten registrierten Websites. Seine Genehmigungsseite ersetzt die "
            "itsme-App. Er kontaktiert nie das echte itsme, und seine Personen sind erfunden.",
        ),
        "issuer": Phrase("Issuer", "Émetteur (issuer)", "Uitgever (issuer)", "Aussteller (Issuer)"),
        "issuer_hint": Phrase(
            "A Django site uses it as the `ENVIRONMENT` of its `ITSME` setting.",
            "Un site Django l'utilise comme `ENVIRONMENT` de son réglage `ITSME`.",
            "Een Django-site gebruikt het als `ENVIRONMENT` van zijn `ITSME`-instelling.",
            "Eine Django-Site verwendet ihn als `ENVIRONMENT` ihrer `ITSME`-Einstellung.",
        ),
        "endpoints": Phrase("Endpoints", "Points de terminaison", "Endpoints", "Endpunkte"),
        "endpoint_discovery": Phrase(
            "Discovery: the provider's metadata",
            "Découverte : les métadonnées du fournisseur",
            "Discovery: de metadata van de provider",
            "Discovery: die Metadaten des Providers",
        ),
        "endpoint_jwks": Phrase(
            "JWKS: the provider's public keys",
            "JWKS : les clés publiques du fournisseur",
            "JWKS: de publieke sleutels van de provider",
            "JWKS: die öffentlichen Schlüssel des Providers",
        ),
        "endpoint_authorization": Phrase(
            "Authorization: the website sends the browser here",
            "Autorisation : le site y envoie le navigateur",
            "Autorisatie: de website stuurt de browser hierheen",
            "Autorisierung: die Website schickt den Browser hierher",
        ),
        "endpoint_token": Phrase(
            "Token: the website exchanges the code for tokens",
            "Jeton : le site échange le code contre des jetons",
            "Token: de website ruilt de code in voor tokens",
            "Token: die Website tauscht den Code gegen Tokens",
        ),
        "endpoint_userinfo": Phrase(
            "Userinfo: the identity data, with the access token",
            "Userinfo : les données d'identité, avec le jeton d'accès",
            "Userinfo: de identiteitsgegevens, met het toegangstoken",
            "Userinfo: die Identitätsdaten, mit dem Zugriffstoken",
        ),
        "identities": Phrase(
            "Test identities", "Identités de test", "Testidentiteiten", "Testidentitäten"
        ),
        "identities_intro": Phrase(
            "Invented people, with data in itsme's formats. Pick one on the approval page, or "
            "name one with `auto_approve` to skip the page.",
            "Des personnes inventées, avec des données aux formats d'itsme. Choisissez-en une "
            "sur la page d'approbation, ou nommez-en une avec `auto_approve` pour passer la page.",
            "Verzonnen personen, met gegevens in de formaten van itsme. Kies er een op de "
            "goedkeuringspagina, of noem er een met `auto_approve` om de pagina over te slaan.",
            "Erfundene Personen mit Daten in den Formaten von itsme. Wählen Sie eine auf der "
            "Genehmigungsseite oder nennen Sie eine mit `auto_approve`, um die Seite zu "
            "überspringen.",
        ),
        "document": Phrase("Document", "Document", "Document", "Dokument"),
        "born": Phrase("Born", "Naissance", "Geboren", "Geboren"),
        "address": Phrase("Address", "Adresse", "Adres", "Adresse"),
        "email": Phrase("E-mail", "E-mail", "E-mail", "E-Mail"),
        "phone": Phrase("Phone", "Téléphone", "Telefoon", "Telefon"),
        "app_language": Phrase("App language", "Langue de l'app", "Taal van de app", "App-Sprache"),
        "device": Phrase("Phone model", "Modèle de téléphone", "Telefoonmodel", "Telefonmodell"),
        "missing": Phrase("Missing", "Absent", "Ontbreekt", "Fehlt"),
        "nothing_missing": Phrase("nothing", "rien", "niets", "nichts"),
        "sites": Phrase(
            "Registered websites",
            "Sites enregistrés",
            "Geregistreerde websites",
            "Registrierte Websites",
        ),
        "no_sites": Phrase(
            "No website is registered yet.",
            "Aucun site n'est encore enregistré.",
            "Er is nog geen website geregistreerd.",
            "Noch ist keine Website registriert.",
        ),
        "partner_code": Phrase("Partner code", "Code partenaire", "Partnercode", "Partnercode"),
        "services": Phrase("Services", "Services", "Diensten", "Dienste"),
        "redirect_uris": Phrase(
            "Redirect URIs", "URI de redirection", "Redirect-URI's", "Weiterleitungs-URIs"
        ),
        "how_to_use": Phrase(
            "How to use it", "Comment l'utiliser", "Hoe gebruikt u het", "So verwenden Sie ihn"
        ),
        "step_start": Phrase(
            "Start an itsme flow on a registered website (in the demo: any itsme button).",
            "Lancez un parcours itsme sur un site enregistré (dans la démo : n'importe quel "
            "bouton itsme).",
            "Start een itsme-flow op een geregistreerde website (in de demo: een itsme-knop).",
            "Starten Sie einen itsme-Ablauf auf einer registrierten Website (in der Demo: eine "
            "beliebige itsme-Schaltfläche).",
        ),
        "step_approve": Phrase(
            "The browser comes here: choose a test identity, then Approve or Refuse, as in the "
            "itsme app.",
            "Le navigateur arrive ici : choisissez une identité de test, puis Approuver ou "
            "Refuser, comme dans l'app itsme.",
            "De browser komt hier: kies een testidentiteit en dan Goedkeuren of Weigeren, zoals "
            "in de itsme-app.",
            "Der Browser kommt hierher: Wählen Sie eine Testidentität, dann Genehmigen oder "
            "Ablehnen, wie in der itsme-App.",
        ),
        "step_return": Phrase(
            "The website receives a code, then the signed and encrypted tokens, as from itsme.",
            "Le site reçoit un code, puis les jetons signés et chiffrés, comme d'itsme.",
            "De website krijgt een code en daarna de ondertekende en versleutelde tokens, zoals "
            "van itsme.",
            "Die Website erhält einen Code, dann die signierten und verschlüsselten Tokens, wie "
            "von itsme.",
        ),
        "step_tests": Phrase(
            "In automated tests, `auto_approve` answers at once; `python -m django_itsme.simulator "
            "--help` lists the options.",
            "Dans les tests automatisés, `auto_approve` répond aussitôt ; `python -m "
            "django_itsme.simulator --help` liste les options.",
            "In geautomatiseerde tests antwoordt `auto_approve` meteen; `python -m "
            "django_itsme.simulator --help` toont de opties.",
            "In automatisierten Tests antwortet `auto_approve` sofort; `python -m "
            "django_itsme.simulator --help` zeigt die Optionen.",
        ),
        "languages_note": Phrase(
            "Its pages follow `ui_locales`: English, French, Dutch or German.",
            "Ses pages suivent `ui_locales` : anglais, français, néerlandais ou allemand.",
            "De pagina's volgen `ui_locales`: Engels, Frans, Nederlands of Duits.",
            "Die Seiten folgen `ui_locales`: Englisch, Französisch, Niederländisch oder Deutsch.",
        ),
    }
)

#: Service types (D-AUTH) -> the name of their text in :data:`TEXTS`.
SERVICE_TEXTS: Final[Mapping[str, str]] = MappingProxyType(
    {"login": "service_login", "share": "service_share", "confirm": "service_confirm"}
)

#: The itsme app's languages (the ``locale`` claim, D-AREQ) in each page language.
APP_LANGUAGES: Final[Mapping[str, Phrase]] = MappingProxyType(
    {
        "EN": Phrase("English", "anglais", "Engels", "Englisch"),
        "FR": Phrase("French", "français", "Frans", "Französisch"),
        "NL": Phrase("Dutch", "néerlandais", "Nederlands", "Niederländisch"),
        "DE": Phrase("German", "allemand", "Duits", "Deutsch"),
    }
)


def _age(years: int) -> Phrase:
    """Describe an ``age_gte_*`` claim.

    :param years: the age threshold.
    :returns: the phrase.
    """
    return Phrase(
        f"Whether you are {years} or older",
        f"Si vous avez {years} ans ou plus",
        f"Of u {years} jaar of ouder bent",
        f"Ob Sie {years} Jahre oder älter sind",
    )


#: Plain-words names of the claims, for the "requested data" list (D-AREQ claim tables).
CLAIM_TEXTS: Final[Mapping[str, Phrase]] = MappingProxyType(
    {
        "name": Phrase("Full name", "Nom complet", "Volledige naam", "Vollständiger Name"),
        "given_name": Phrase("First name", "Prénom", "Voornaam", "Vorname"),
        "family_name": Phrase("Last name", "Nom de famille", "Achternaam", "Nachname"),
        "gender": Phrase("Gender", "Genre", "Geslacht", "Geschlecht"),
        "locale": Phrase(
            "Language of the itsme app",
            "Langue de l'app itsme",
            "Taal van de itsme-app",
            "Sprache der itsme-App",
        ),
        "birthdate": Phrase("Date of birth", "Date de naissance", "Geboortedatum", "Geburtsdatum"),
        "email": Phrase("E-mail address", "Adresse e-mail", "E-mailadres", "E-Mail-Adresse"),
        "email_verified": Phrase(
            "Whether the e-mail address is verified (always no)",
            "Si l'adresse e-mail est vérifiée (toujours non)",
            "Of het e-mailadres geverifieerd is (altijd nee)",
            "Ob die E-Mail-Adresse bestätigt ist (immer nein)",
        ),
        "phone_number": Phrase(
            "Mobile phone number",
            "Numéro de téléphone mobile",
            "Mobiel telefoonnummer",
            "Mobiltelefonnummer",
        ),
        "phone_number_verified": Phrase(
            "Whether the phone number is verified",
            "Si le numéro de téléphone est vérifié",
            "Of het telefoonnummer geverifieerd is",
            "Ob die Telefonnummer bestätigt ist",
        ),
        "address": Phrase("Home address", "Adresse du domicile", "Woonadres", "Wohnadresse"),
        "picture": Phrase("Photo (link)", "Photo (lien)", "Foto (link)", "Foto (Link)"),
        "age_gte_16": _age(16),
        "age_gte_18": _age(18),
        "age_gte_21": _age(21),
        "age_gte_30": _age(30),
        CLAIM_PREFIX + "BENationalNumber": Phrase(
            "Belgian national register number",
            "Numéro de registre national belge",
            "Belgisch rijksregisternummer",
            "Belgische Nationalregisternummer",
        ),
        CLAIM_PREFIX + "BEeidSn": Phrase(
            "Belgian eID card number",
            "Numéro de carte eID belge",
            "Nummer van de Belgische eID-kaart",
            "Nummer des belgischen eID-Ausweises",
        ),
        CLAIM_PREFIX + "IDDocumentSN": Phrase(
            "Identity document number",
            "Numéro du document d'identité",
            "Nummer van het identiteitsdocument",
            "Nummer des Ausweisdokuments",
        ),
        CLAIM_PREFIX + "IDDocumentType": Phrase(
            "Identity document type",
            "Type de document d'identité",
            "Soort identiteitsdocument",
            "Art des Ausweisdokuments",
        ),
        CLAIM_PREFIX + "IDIssuingCountry": Phrase(
            "Country that issued the identity document",
            "Pays qui a délivré le document d'identité",
            "Land dat het identiteitsdocument uitgaf",
            "Land, das das Ausweisdokument ausgestellt hat",
        ),
        CLAIM_PREFIX + "issuance_locality": Phrase(
            "Place where the identity document was issued",
            "Lieu de délivrance du document d'identité",
            "Plaats waar het identiteitsdocument werd uitgereikt",
            "Ort, an dem das Ausweisdokument ausgestellt wurde",
        ),
        CLAIM_PREFIX + "validityFrom": Phrase(
            "Identity document issue date",
            "Date de délivrance du document d'identité",
            "Uitgiftedatum van het identiteitsdocument",
            "Ausstellungsdatum des Ausweisdokuments",
        ),
        CLAIM_PREFIX + "validityTo": Phrase(
            "Identity document expiry date",
            "Date d'expiration du document d'identité",
            "Vervaldatum van het identiteitsdocument",
            "Ablaufdatum des Ausweisdokuments",
        ),
        CLAIM_PREFIX + "verificationDate": Phrase(
            "When itsme last checked the identity document",
            "Dernière vérification du document d'identité par itsme",
            "Wanneer itsme het identiteitsdocument laatst controleerde",
            "Wann itsme das Ausweisdokument zuletzt geprüft hat",
        ),
        CLAIM_PREFIX + "birthdate_as_string": Phrase(
            "Date of birth as printed on the document",
            "Date de naissance telle qu'imprimée sur le document",
            "Geboortedatum zoals gedrukt op het document",
            "Geburtsdatum wie auf dem Dokument gedruckt",
        ),
        CLAIM_PREFIX + "official_gender": Phrase(
            "Gender as printed on the document",
            "Genre tel qu'imprimé sur le document",
            "Geslacht zoals gedrukt op het document",
            "Geschlecht wie auf dem Dokument gedruckt",
        ),
        CLAIM_PREFIX + "place_of_birth": Phrase(
            "Place of birth", "Lieu de naissance", "Geboorteplaats", "Geburtsort"
        ),
        CLAIM_PREFIX + "claim_citizenship": Phrase(
            "Nationality", "Nationalité", "Nationaliteit", "Staatsangehörigkeit"
        ),
        CLAIM_PREFIX + "claim_citizenship_as_iso": Phrase(
            "Nationality (ISO code)",
            "Nationalité (code ISO)",
            "Nationaliteit (ISO-code)",
            "Staatsangehörigkeit (ISO-Code)",
        ),
        CLAIM_PREFIX + "physical_person_photo": Phrase(
            "Photo from the identity document",
            "Photo du document d'identité",
            "Foto van het identiteitsdocument",
            "Foto aus dem Ausweisdokument",
        ),
        CLAIM_PREFIX + "claim_device": Phrase(
            "Details of the phone running itsme",
            "Détails du téléphone qui utilise itsme",
            "Gegevens van de telefoon met itsme",
            "Angaben zum Telefon mit itsme",
        ),
    }
)


def say(language: str, name: str, **values: str) -> str:
    """Return one text of :data:`TEXTS` in a language (not escaped).

    :param language: one of :data:`LANGUAGES`.
    :param name: the text's name.
    :param values: placeholder values.
    :returns: the text.
    :raises KeyError: on an unknown name (a bug in a page).
    """
    return TEXTS[name].render(language, **values)
