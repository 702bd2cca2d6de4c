package proof

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Record is the body of a proof record (PROOF-SPEC section 1): the nine
// keys that are canonicalized, hashed and signed. Build one, then call
// [Record.Sign]; every field rule is checked first by [Record.Validate].
//
// Float fields are written as Python floats (1.0 stays "1.0"); NaN and
// infinities are refused. Free-form objects (SweepGrid, Detail, Provenance)
// hold JSON values: nil, bool, string, float64 (a float), int, int64,
// uint64, *big.Int (integers), json.Number (written as the canonical form of
// its text), json.RawMessage (canonicalized), []any, []string,
// map[string]any and map[string]string.
type Record struct {
	// SchemaVersion is "1.0"; empty means "1.0".
	SchemaVersion   string          `json:"schema_version"`
	Identity        Identity        `json:"identity"`
	Claim           Claim           `json:"claim"`
	Preregistration Preregistration `json:"preregistration"`
	Data            Data            `json:"data"`
	Evidence        []Evidence      `json:"evidence"`
	Verdict         Verdict         `json:"verdict"`
	Reproduction    Reproduction    `json:"reproduction"`
	// Provenance is a free-form (W3C PROV-JSON) object; nil is {}.
	Provenance map[string]any `json:"provenance"`
}

// Identity says which Ophamin version made the record, and when.
type Identity struct {
	OphaminVersion   string `json:"ophamin_version"`    // non-empty
	OphaminGitCommit string `json:"ophamin_git_commit"` // may be ""
	CreatedAt        string `json:"created_at"`         // ISO-8601 date-time; see Timestamp
}

// Claim is the hypothesis under test.
type Claim struct {
	Statement          string    `json:"statement"` // non-empty, as are the next three
	Operationalization string    `json:"operationalization"`
	H0                 string    `json:"h0"`
	H1                 string    `json:"h1"`
	Threshold          Threshold `json:"threshold"`
}

// Threshold is the pre-registered decision rule.
type Threshold struct {
	Metric     string  `json:"metric"`     // non-empty
	Comparator string  `json:"comparator"` // one of >= <= > < ==
	Value      float64 `json:"value"`
	Units      string  `json:"units"`
}

// Preregistration fixes the analysis before the data is seen.
type Preregistration struct {
	ConfigHash      string         `json:"config_hash"` // non-empty
	DataHash        string         `json:"data_hash"`   // non-empty
	AnalysisPlan    string         `json:"analysis_plan"`
	SweepGrid       map[string]any `json:"sweep_grid"`       // nil is {}
	PreregisteredAt string         `json:"preregistered_at"` // ISO-8601 date-time
}

// Data names the substrate and the datasets.
type Data struct {
	SubstrateName      string    `json:"substrate_name"` // non-empty
	SubstrateGitCommit string    `json:"substrate_git_commit"`
	Datasets           []Dataset `json:"datasets"` // at least one
}

// Dataset is one input dataset.
type Dataset struct {
	Name        string `json:"name"`
	ContentHash string `json:"content_hash"`
	NRecords    int64  `json:"n_records"` // >= 1
	Source      string `json:"source"`
	Kind        string `json:"kind"` // empty means "corpus"
}

// Evidence is one statistic supporting the verdict.
type Evidence struct {
	Pillar         string         `json:"pillar"`
	StatisticName  string         `json:"statistic_name"`
	StatisticValue float64        `json:"statistic_value"`
	Library        string         `json:"library"`
	LibraryVersion string         `json:"library_version"`
	CrossCheck     string         `json:"cross_check"` // one of passed, skipped, failed, n/a
	Detail         map[string]any `json:"detail"`      // nil is {}
	// Optional numbers: nil is JSON null.
	EffectSize *float64 `json:"effect_size"`
	CILow      *float64 `json:"ci_low"`
	CIHigh     *float64 `json:"ci_high"`
	PValue     *float64 `json:"p_value"`
}

// Verdict is the outcome against the threshold.
type Verdict struct {
	Outcome       string    `json:"outcome"` // one of VALIDATED, REFUTED, INCONCLUSIVE
	ObservedValue float64   `json:"observed_value"`
	Threshold     Threshold `json:"threshold"`
	Reasoning     string    `json:"reasoning"` // non-empty
}

// Reproduction says how to re-run the experiment.
type Reproduction struct {
	Command      string            `json:"command"`       // non-empty
	Environment  map[string]string `json:"environment"`   // at least one entry
	LineageChain []string          `json:"lineage_chain"` // nil is []
}

// Timestamp formats t as Python's datetime.isoformat() does for an aware
// UTC datetime ("2026-05-31T17:46:52.196204+00:00"), the form upstream uses.
func Timestamp(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05") + "+00:00"
	}
	return t.Format("2006-01-02T15:04:05.000000") + "+00:00"
}

func fieldErr(field, reason string) *Error {
	e := newErr(CheckField, ErrInvalidRecord, reason)
	e.Path = field
	return e
}

func nonEmpty(field, v string) error {
	if v == "" {
		return fieldErr(field, "must not be empty")
	}
	return validString(field, v)
}

func validString(field, v string) error {
	if !utf8.ValidString(v) {
		e := fieldErr(field, "not valid UTF-8")
		e.Err = ErrInvalidUTF8
		return e
	}
	return nil
}

func dateTime(field, v string) error {
	if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
		return fieldErr(field, "not an ISO-8601 date-time with offset")
	}
	return nil
}

func finite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		e := fieldErr(field, "NaN or infinite")
		e.Err = ErrNonFinite
		return e
	}
	return nil
}

func oneOf(field, v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		e := fieldErr(field, "not an allowed value")
		e.Got = v
		e.Want = fmt.Sprint(allowed)
		return e
	}
	return nil
}

func (t *Threshold) validate(p string) error {
	return firstErr(
		nonEmpty(p+".metric", t.Metric),
		oneOf(p+".comparator", t.Comparator, ">=", "<=", ">", "<", "=="),
		finite(p+".value", t.Value),
		validString(p+".units", t.Units),
	)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Validate checks every field rule of PROOF-SPEC section 1 and returns an
// [*Error] (ErrInvalidRecord, or ErrNonFinite / ErrInvalidUTF8) naming the
// first field that breaks one, as a dotted path such as
// "claim.threshold.comparator" or "evidence[1].cross_check".
func (r *Record) Validate() error {
	if r.SchemaVersion != "" && r.SchemaVersion != SchemaVersion {
		e := newErr(CheckSchemaVersion, ErrUnsupportedSchemaVersion, "")
		e.Path, e.Got, e.Want = "schema_version", r.SchemaVersion, SchemaVersion
		return e
	}
	if err := firstErr(
		nonEmpty("identity.ophamin_version", r.Identity.OphaminVersion),
		validString("identity.ophamin_git_commit", r.Identity.OphaminGitCommit),
		dateTime("identity.created_at", r.Identity.CreatedAt),
		nonEmpty("claim.statement", r.Claim.Statement),
		nonEmpty("claim.operationalization", r.Claim.Operationalization),
		nonEmpty("claim.h0", r.Claim.H0),
		nonEmpty("claim.h1", r.Claim.H1),
		r.Claim.Threshold.validate("claim.threshold"),
		nonEmpty("preregistration.config_hash", r.Preregistration.ConfigHash),
		nonEmpty("preregistration.data_hash", r.Preregistration.DataHash),
		validString("preregistration.analysis_plan", r.Preregistration.AnalysisPlan),
		dateTime("preregistration.preregistered_at", r.Preregistration.PreregisteredAt),
		nonEmpty("data.substrate_name", r.Data.SubstrateName),
		validString("data.substrate_git_commit", r.Data.SubstrateGitCommit),
	); err != nil {
		return err
	}
	if len(r.Data.Datasets) == 0 {
		return fieldErr("data.datasets", "needs at least one dataset")
	}
	for i, d := range r.Data.Datasets {
		p := fmt.Sprintf("data.datasets[%d]", i)
		if err := firstErr(
			validString(p+".name", d.Name),
			validString(p+".content_hash", d.ContentHash),
			validString(p+".source", d.Source),
			validString(p+".kind", d.Kind),
		); err != nil {
			return err
		}
		if d.NRecords < 1 {
			e := fieldErr(p+".n_records", "must be an integer >= 1")
			e.Got = strconv.FormatInt(d.NRecords, 10)
			return e
		}
	}
	if len(r.Evidence) == 0 {
		return fieldErr("evidence", "needs at least one item")
	}
	for i, ev := range r.Evidence {
		p := fmt.Sprintf("evidence[%d]", i)
		if err := firstErr(
			validString(p+".pillar", ev.Pillar),
			validString(p+".statistic_name", ev.StatisticName),
			finite(p+".statistic_value", ev.StatisticValue),
			validString(p+".library", ev.Library),
			validString(p+".library_version", ev.LibraryVersion),
			oneOf(p+".cross_check", ev.CrossCheck, "passed", "skipped", "failed", "n/a"),
			optFinite(p+".effect_size", ev.EffectSize),
			optFinite(p+".ci_low", ev.CILow),
			optFinite(p+".ci_high", ev.CIHigh),
			optFinite(p+".p_value", ev.PValue),
			freeForm(p+".detail", ev.Detail),
		); err != nil {
			return err
		}
	}
	if err := firstErr(
		oneOf("verdict.outcome", r.Verdict.Outcome, "VALIDATED", "REFUTED", "INCONCLUSIVE"),
		finite("verdict.observed_value", r.Verdict.ObservedValue),
		r.Verdict.Threshold.validate("verdict.threshold"),
		nonEmpty("verdict.reasoning", r.Verdict.Reasoning),
		nonEmpty("reproduction.command", r.Reproduction.Command),
		freeForm("preregistration.sweep_grid", r.Preregistration.SweepGrid),
		freeForm("provenance", r.Provenance),
	); err != nil {
		return err
	}
	if len(r.Reproduction.Environment) == 0 {
		return fieldErr("reproduction.environment", "needs at least one entry")
	}
	for k, v := range r.Reproduction.Environment {
		if err := firstErr(validString("reproduction.environment", k), validString("reproduction.environment."+k, v)); err != nil {
			return err
		}
	}
	for i, s := range r.Reproduction.LineageChain {
		if err := validString(fmt.Sprintf("reproduction.lineage_chain[%d]", i), s); err != nil {
			return err
		}
	}
	return nil
}

func optFinite(field string, v *float64) error {
	if v == nil {
		return nil
	}
	return finite(field, *v)
}

// freeForm checks that a free-form object encodes (right types, finite
// floats, valid UTF-8).
func freeForm(field string, m map[string]any) error {
	if _, err := appendValue(nil, m, field); err != nil {
		return err
	}
	return nil
}

// body returns the record body as a tree of JSON values.
func (r *Record) body() map[string]any {
	threshold := func(t Threshold) map[string]any {
		return map[string]any{"metric": t.Metric, "comparator": t.Comparator, "value": t.Value, "units": t.Units}
	}
	obj := func(m map[string]any) any {
		if m == nil {
			return map[string]any{}
		}
		return m
	}
	datasets := make([]any, len(r.Data.Datasets))
	for i, d := range r.Data.Datasets {
		kind := d.Kind
		if kind == "" {
			kind = "corpus"
		}
		datasets[i] = map[string]any{"name": d.Name, "content_hash": d.ContentHash, "n_records": d.NRecords, "source": d.Source, "kind": kind}
	}
	evidence := make([]any, len(r.Evidence))
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for i, e := range r.Evidence {
		evidence[i] = map[string]any{
			"pillar": e.Pillar, "statistic_name": e.StatisticName, "statistic_value": e.StatisticValue,
			"library": e.Library, "library_version": e.LibraryVersion, "cross_check": e.CrossCheck,
			"detail": obj(e.Detail), "effect_size": opt(e.EffectSize), "ci_low": opt(e.CILow),
			"ci_high": opt(e.CIHigh), "p_value": opt(e.PValue),
		}
	}
	lineage := r.Reproduction.LineageChain
	if lineage == nil {
		lineage = []string{}
	}
	return map[string]any{
		"schema_version": SchemaVersion,
		"identity": map[string]any{
			"ophamin_version": r.Identity.OphaminVersion, "ophamin_git_commit": r.Identity.OphaminGitCommit,
			"created_at": r.Identity.CreatedAt,
		},
		"claim": map[string]any{
			"statement": r.Claim.Statement, "operationalization": r.Claim.Operationalization,
			"h0": r.Claim.H0, "h1": r.Claim.H1, "threshold": threshold(r.Claim.Threshold),
		},
		"preregistration": map[string]any{
			"config_hash": r.Preregistration.ConfigHash, "data_hash": r.Preregistration.DataHash,
			"analysis_plan": r.Preregistration.AnalysisPlan, "sweep_grid": obj(r.Preregistration.SweepGrid),
			"preregistered_at": r.Preregistration.PreregisteredAt,
		},
		"data": map[string]any{
			"substrate_name": r.Data.SubstrateName, "substrate_git_commit": r.Data.SubstrateGitCommit,
			"datasets": datasets,
		},
		"evidence": evidence,
		"verdict": map[string]any{
			"outcome": r.Verdict.Outcome, "observed_value": r.Verdict.ObservedValue,
			"threshold": threshold(r.Verdict.Threshold), "reasoning": r.Verdict.Reasoning,
		},
		"reproduction": map[string]any{
			"command": r.Reproduction.Command, "environment": r.Reproduction.Environment,
			"lineage_chain": lineage,
		},
		"provenance": obj(r.Provenance),
	}
}

// MarshalJSON validates the record and returns its canonical body.
func (r *Record) MarshalJSON() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return appendValue(nil, r.body(), "")
}

// ParseRecord decodes the body of a record (or a whole record: proof_id,
// signature and attestation are ignored) into a Record, typically after
// [Verify] has authenticated it (pass Verified.Body). It is exact: the body
// must satisfy every field rule and re-encode to the same canonical bytes,
// so unknown fields, keys differing in case, missing fields and integers
// where the schema has a float are refused with ErrInvalidRecord. Free-form
// objects decode to map[string]any with json.Number numbers.
func ParseRecord(data []byte) (*Record, error) {
	rec, err := parseRecord(data)
	if err != nil {
		return nil, err
	}
	type plain Record // without the MarshalJSON method
	var p plain
	d := json.NewDecoder(bytes.NewReader(rec.body))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return nil, fieldErr("", "does not fit the record schema: "+err.Error())
	}
	r := (*Record)(&p)
	out, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(out, rec.body) {
		return nil, fieldErr("", "body does not round-trip through Record (unknown or missing field, key case, or an integer where a float belongs)")
	}
	return r, nil
}

// Sign validates the record and returns the signed record JSON (proof_id,
// the body, signature), as [Sign] would for the record's body.
func (r *Record) Sign(key []byte) ([]byte, error) {
	body, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return Sign(body, key)
}

// appendValue writes the canonical form of a Go JSON value.
func appendValue(dst []byte, v any, path string) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if v {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		if err := validString(path, v); err != nil {
			return nil, err
		}
		return appendString(dst, v), nil
	case float64:
		if err := finite(path, v); err != nil {
			return nil, err
		}
		return appendPyFloat(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case *big.Int:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return v.Append(dst, 10), nil
	case json.Number:
		return appendRaw(dst, []byte(v), path)
	case json.RawMessage:
		return appendRaw(dst, v, path)
	case []string:
		return appendArray(dst, v, path)
	case []any:
		return appendArray(dst, v, path)
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return appendValue(dst, m, path)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			if err := validString(path, k); err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
		slices.Sort(keys) // byte order of UTF-8 = code point order
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			p := k
			if path != "" {
				p = path + "." + k
			}
			var err error
			if dst, err = appendValue(dst, v[k], p); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
	e := fieldErr(path, fmt.Sprintf("unsupported Go type %T", v))
	return nil, e
}

// appendArray writes v as a JSON array of canonical values.
func appendArray[T any](dst []byte, v []T, path string) ([]byte, error) {
	dst = append(dst, '[')
	for i, e := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendValue(dst, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

func appendRaw(dst, raw []byte, path string) ([]byte, error) {
	out, err := AppendCanonical(dst, raw)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Path == "" {
			e.Path = path
		}
		return nil, err
	}
	return out, nil
}
