package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/misybot/platform/policy/rules"
)

const toolName = "misybot-policy"

// sarifLevel maps enforcement to SARIF levels: mandatory is an error,
// advisory a warning, undecidable a note.
func sarifLevel(r rules.Result) string {
	switch {
	case r.Undecidable:
		return "note"
	case r.Enforcement == rules.Mandatory:
		return "error"
	}
	return "warning"
}

// WriteSARIF writes a SARIF 2.1.0 log with one run: every rule of the
// report as a reporting descriptor (help = remediation), every violation
// and undecidable result with the resource URN in its message and as a
// logical location.
func WriteSARIF(w io.Writer, rep rules.Report, opts Options) error {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	uri := opts.ArtifactURI
	if uri == "" {
		uri = "Pulumi.yaml"
	}
	run := sarif.NewRunWithInformationURI(toolName, "https://github.com/misybot/platform/blob/main/docs/policies.md")
	if opts.ToolVersion != "" {
		run.Tool.Driver.WithVersion(opts.ToolVersion)
	}
	for _, info := range rep.Rules {
		d := run.AddRule(info.Name).
			WithName(ruleDisplayName(info.Name)).
			WithShortDescription(sarif.NewMultiformatMessageString(info.Description)).
			WithFullDescription(sarif.NewMultiformatMessageString(info.Description)).
			WithHelpURI("https://github.com/misybot/platform/blob/main/docs/policies.md#" + info.Name).
			WithHelp(sarif.NewMultiformatMessageString(info.Remediation).WithMarkdown("**Remediation:** " + info.Remediation))
		level := "warning"
		if info.Enforcement == rules.Mandatory {
			level = "error"
		}
		if info.Enforcement == rules.Disabled || info.Skipped != "" {
			level = "none"
		}
		d.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level))
		props := sarif.NewPropertyBag()
		props.Add("enforcement", string(info.Enforcement))
		props.Add("tags", append(append([]string{"security", "pulumi", info.Category}, info.Checkov...), info.Trivy...))
		d.AttachPropertyBag(props)
	}
	results := append(append([]rules.Result{}, rep.Violations...), rep.Undecidable...)
	for _, r := range results {
		subject := r.URN
		if subject == "" {
			subject = "stack " + orNone(rep.Stack)
		}
		loc := sarif.NewLocation().
			WithPhysicalLocation(sarif.NewPhysicalLocation().
				WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)).
				WithRegion(sarif.NewSimpleRegion(1, 1))).
			WithLogicalLocations([]*sarif.LogicalLocation{
				sarif.NewLogicalLocation().WithName(resourceName(r)).WithFullyQualifiedName(subject).WithKind("resource"),
			})
		run.CreateResultForRule(r.Rule).
			WithLevel(sarifLevel(r)).
			WithMessage(sarif.NewTextMessage(fmt.Sprintf("%s: %s", subject, r.Message))).
			WithLocations([]*sarif.Location{loc}).
			WithPartialFingerPrints(map[string]any{"misybotPolicy/v1": fingerprint(r)})
	}
	log.AddRun(run)
	if err := log.PrettyWrite(w); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

// ruleDisplayName turns kebab-case into the PascalCase SARIF suggests.
func ruleDisplayName(name string) string {
	parts := strings.Split(name, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

func resourceName(r rules.Result) string {
	if _, _, _, name, ok := rules.ParseURN(r.URN); ok {
		return name
	}
	return r.URN
}

// fingerprint identifies a result across runs (rule, resource, message),
// so code scanning tracks an alert instead of opening a new one each run.
func fingerprint(r rules.Result) string {
	sum := sha256.Sum256([]byte(r.Rule + "\x00" + r.URN + "\x00" + r.Message))
	return hex.EncodeToString(sum[:16])
}
