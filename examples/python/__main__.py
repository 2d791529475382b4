"""A registry on 127.0.0.1:5201; ./app built, pushed, signed by digest, its SBOM attested,
provenance recorded, the policy passed; the app run from that digest on 127.0.0.1:8291."""

import os

import pulumi
import signed_image_lab_signing_lab as signing_lab

config = pulumi.Config()

lab = signing_lab.SigningLab(
    "lab",
    # The component runs in its own provider process: relative paths mean this folder.
    project_root=os.getcwd(),
    registry_port=config.get_int("registryPort") or 5201,
    app_port=config.get_int("appPort") or 8291,
    image=signing_lab.LabImageArgs(name="hello", tag="1.0", context="app"),
    registry_image=config.get("registryImage"),
    base_image=config.get("baseImage"),
    sbom_format=signing_lab.SbomFormat.SPDX_JSON,
    cosign_password=config.require_secret("cosignPassword"),
)

pulumi.export("admittedRef", lab.admitted_ref)
pulumi.export("publicKey", lab.public_key)
pulumi.export("appUrl", lab.app_url)
