# signed-image-lab attestation policy: SLSA provenance v1 (https://slsa.dev/spec/v1.0/provenance).
#
# cosign verify-attestation --type slsaprovenance1 --policy <file> evaluates data.signature.allow
# (Rego v0 syntax) over each verified in-toto statement of that type. allow is true when no rule
# is violated; otherwise it is a string naming every violated rule ("policy rule <name> violated:
# ..."), which cosign prints in its failure message.
#
# The lab appends its configuration to this module (packages/tooling/src/lib/attestation-policy.ts):
#   builder_id = "<the builder id the policy trusts>"
package signature

violation[msg] {
	input.predicateType != "https://slsa.dev/provenance/v1"
	msg := sprintf("policy rule predicate-type violated: the statement's predicate is %v, not SLSA provenance v1", [input.predicateType])
}

# Rule builder-id: the provenance names the trusted builder.
violation[msg] {
	got := object.get(input, ["predicate", "runDetails", "builder", "id"], "(none)")
	got != builder_id
	msg := sprintf("policy rule builder-id violated: the provenance names builder %v, the policy trusts %v", [got, builder_id])
}

base_images[d] {
	d := input.predicate.buildDefinition.resolvedDependencies[_]
	d.name == "base-image"
}

pinned(d) {
	regex.match("^[a-f0-9]{64}$", d.digest.sha256)
	endswith(d.uri, concat("", ["@sha256:", d.digest.sha256]))
}

# Rule base-image-pinned: every base image among the resolved dependencies is pinned by digest.
violation["policy rule base-image-pinned violated: the provenance lists no base-image among its resolvedDependencies"] {
	count(base_images) == 0
}

violation[msg] {
	d := base_images[_]
	not pinned(d)
	msg := sprintf("policy rule base-image-pinned violated: base image %v is not pinned by digest (@sha256:<64 hex> with the same digest)", [object.get(d, "uri", "(no uri)")])
}

allow = true {
	count(violation) == 0
}

allow = msg {
	count(violation) > 0
	msg := concat("; ", violation)
}
