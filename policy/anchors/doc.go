// Package anchors holds an independent probe corpus for the policy pack:
// misconfigurations taken from the anchors' own catalogues (Checkov's
// Azure checks, Trivy's AVD-AZU checks, Azure Policy built-in definitions),
// each written as azure-native resources the way a user of the provider
// would write them, with its compliant twin. The corpus and the flag-rate
// test are in corpus_test.go; `go test ./policy/anchors -run Corpus -update`
// writes the corpus as a `pulumi stack export` and as `pulumi preview
// --json` files under testdata/, for `misyinfra policy audit`.
package anchors
