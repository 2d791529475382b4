// Command lab-policy-check asks containers/image — the library skopeo and podman verify
// signatures with — whether a policy.json allows an image. Debian's skopeo is built with
// sigstore support patched out, so the lab uses the library directly for its independent
// cross-check of cosign signatures.
//
//	lab-policy-check --policy policy.json --registries.d DIR [--tls-verify=false] docker://host/repo@sha256:…
//
// Registry credentials come from the auth file named by REGISTRY_AUTH_FILE (never argv).
// Exit 0: accepted. Exit 1: rejected, with the reason on stderr. Exit 2: usage or I/O error.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/image"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/types"
)

func main() {
	policyPath := flag.String("policy", "", "policy.json to enforce")
	registriesDir := flag.String("registries.d", "", "registries.d directory (use-sigstore-attachments)")
	tlsVerify := flag.Bool("tls-verify", true, "verify the registry's TLS certificate; false also allows plain HTTP")
	certDir := flag.String("cert-dir", "", "directory with the CA certificates of the registry")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	if *policyPath == "" || flag.NArg() != 1 || !strings.HasPrefix(flag.Arg(0), "docker://") {
		fmt.Fprintln(os.Stderr, "usage: lab-policy-check --policy FILE --registries.d DIR [--tls-verify=false] docker://REF")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	policyContext, source, err := open(ctx, *policyPath, *registriesDir, *certDir, *tlsVerify, strings.TrimPrefix(flag.Arg(0), "docker:"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab-policy-check: %v\n", err)
		os.Exit(2)
	}
	defer policyContext.Destroy()
	defer source.Close()
	// Any refusal by the policy engine is a rejection: a missing signature, another key, a
	// signature of another digest or identity.
	if allowed, err := policyContext.IsRunningImageAllowed(ctx, image.UnparsedInstance(source, nil)); !allowed {
		fmt.Fprintf(os.Stderr, "Source image rejected: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("accepted")
}

// open reads the policy and connects to the image; every error here is a usage or I/O error.
func open(ctx context.Context, policyPath, registriesDir, certDir string, tlsVerify bool, ref string) (*signature.PolicyContext, types.ImageSource, error) {
	policy, err := signature.NewPolicyFromFile(policyPath)
	if err != nil {
		return nil, nil, err
	}
	policyContext, err := signature.NewPolicyContext(policy)
	if err != nil {
		return nil, nil, err
	}
	imageRef, err := docker.ParseReference(ref)
	if err != nil {
		policyContext.Destroy()
		return nil, nil, err
	}
	sys := &types.SystemContext{
		RegistriesDirPath:           registriesDir,
		AuthFilePath:                os.Getenv("REGISTRY_AUTH_FILE"),
		DockerCertPath:              certDir,
		DockerInsecureSkipTLSVerify: types.NewOptionalBool(!tlsVerify),
	}
	source, err := imageRef.NewImageSource(ctx, sys)
	if err != nil {
		policyContext.Destroy()
		return nil, nil, err
	}
	return policyContext, source, nil
}
