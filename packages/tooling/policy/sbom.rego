# signed-image-lab attestation policy: SBOM attestations (SPDX 2.x JSON and CycloneDX JSON).
#
# cosign verify-attestation --type spdxjson|cyclonedx --policy <file> evaluates
# data.signature.allow (Rego v0 syntax) over each verified in-toto statement of that type. allow
# is true when no rule is violated; otherwise it is a string naming every violated rule
# ("policy rule <name> violated: ..."), which cosign prints in its failure message.
#
# The lab appends its configuration to this module (packages/tooling/src/lib/attestation-policy.ts):
#   denied_packages = [{"entry": "express", "name": "express"}, {"entry": "lodash@4.17.20", "name": "lodash", "version": "4.17.20"}]
package signature

sbom_predicate_types = {"https://spdx.dev/Document", "https://cyclonedx.org/bom"}

violation[msg] {
	not sbom_predicate_types[input.predicateType]
	msg := sprintf("policy rule predicate-type violated: the statement's predicate is %v, not an SPDX or CycloneDX SBOM", [input.predicateType])
}

# SPDX lists packages (name, versionInfo); CycloneDX lists components (name, version).
sbom_package[{"name": p.name, "version": object.get(p, "versionInfo", "")}] {
	p := input.predicate.packages[_]
}

sbom_package[{"name": c.name, "version": object.get(c, "version", "")}] {
	c := input.predicate.components[_]
}

version_denied(d, p) {
	not d.version
}

version_denied(d, p) {
	d.version == p.version
}

# Rule denied-packages: the SBOM lists no package of the deny list (a name, or name@version).
violation[msg] {
	p := sbom_package[_]
	d := denied_packages[_]
	p.name == d.name
	version_denied(d, p)
	msg := sprintf("policy rule denied-packages violated: the SBOM lists %v@%v, denied by %v", [p.name, p.version, d.entry])
}

allow = true {
	count(violation) == 0
}

allow = msg {
	count(violation) > 0
	msg := concat("; ", violation)
}
