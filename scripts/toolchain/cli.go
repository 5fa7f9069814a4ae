//go:build tools

// Package toolchain pins the Pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
// as a dependency of this module so that `go build` of it uses go.sum here.
package toolchain

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
