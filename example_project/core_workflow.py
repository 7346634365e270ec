"""The vendor SDK's workflow in plain Python, against the embedded simulator (no Django)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from django_itsme.core import ItsmeClient, PaymentTemplate
from django_itsme.core.keygen import generate_private_jwks
from django_itsme.core.keys import load_private_keys
from django_itsme.simulator import RegisteredClient, Simulator

# Our keys (in production: a file made once with `python -m django_itsme.core.keygen`).
private_jwks = generate_private_jwks(bits=2048)
public_jwks = json.dumps(load_private_keys(private_jwks).public_jwks()).encode()


class PublishJwks(BaseHTTPRequestHandler):
    """Our jwks_uri: itsme fetches our public keys from it (a Django site uses itsme:jwks)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(public_jwks)

    def log_message(self, *args):
        pass


site = ThreadingHTTPServer(("127.0.0.1", 0), PublishJwks)
threading.Thread(target=site.serve_forever, daemon=True).start()
redirect_uri = "http://127.0.0.1:8000/itsme/callback/"
partner = RegisteredClient(
    client_id="MY_PARTNER_CODE",
    jwks_uri=f"http://127.0.0.1:{site.server_address[1]}/jwks.json",
    redirect_uris=[redirect_uri],
    services={"MY_SHARE_CODE": "share", "MY_CONFIRM_CODE": "confirm"},
)

with Simulator(clients=[partner], auto_approve="alice") as itsme:
    # 1. Configure the client.
    client = ItsmeClient.configure(
        client_id="MY_PARTNER_CODE",
        private_jwks=private_jwks,
        environment=itsme.issuer,  # "e2e" or "prd" for the real itsme
        services={
            "share": {
                "CODE": "MY_SHARE_CODE",
                "SCOPES": ["profile"],
                "CLAIMS": ["eid", "city_of_birth", "nationality"],
                "ACR": "advanced",
            },
            "confirm": {"CODE": "MY_CONFIRM_CODE", "ACR": "advanced"},
        },
        redirect_uri=redirect_uri,
    )

    # 2. + 3. The authentication URL, carrying the signed-then-encrypted request object.
    auth = client.build_authentication_request("share")

    # The browser goes to auth.url; itsme (here: auto-approving) sends it back with a code.
    back = requests.get(auth.url, allow_redirects=False, timeout=10).headers["Location"]
    callback = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}

    # 4. The user's details from the code: every token decrypted, verified and validated.
    code = client.parse_callback(callback, expected_state=auth.state)
    user = client.get_user_details(
        code,
        redirect_uri=auth.redirect_uri,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        service="share",
    )
    who = user.identity
    print("sub:", user.sub)
    print("name:", who.given_name, who.family_name)
    print("born in:", who.place_of_birth.city if who.place_of_birth else None)
    print("nationality:", who.nationality.iso if who.nationality else None)
    print("level:", user.acr)

    # Confirm: the same user approves a payment shown in the itsme app.
    payment = PaymentTemplate(amount="250", currency="EUR", iban="BE68 5390 0754 7034")
    auth = client.build_authentication_request("confirm", template=payment, sub=user.sub)
    back = requests.get(auth.url, allow_redirects=False, timeout=10).headers["Location"]
    callback = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    approval = client.get_user_details(
        client.parse_callback(callback, expected_state=auth.state),
        redirect_uri=auth.redirect_uri,
        nonce=auth.nonce,
        code_verifier=auth.code_verifier,
        service="confirm",
        expected_sub=user.sub,
    )
    print("approved by the same user:", approval.sub == user.sub)

site.shutdown()
