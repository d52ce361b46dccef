// Package apiclient is the Go client oapi-codegen generates from
// handlers/openapi.json with its default options (types and client).
// `make contract` (part of `make test`) regenerates apiclient.gen.go
// (not committed) and compiles it with check.go, so a document that a
// generated client cannot use fails the build. It is its own module so
// the generator and its runtime stay out of Vetted's dependencies.
package apiclient

import _ "github.com/oapi-codegen/runtime" // the generated client's runtime
