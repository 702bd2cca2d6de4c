package proof

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"testing"
	"time"
)

func TestRecordValidate(t *testing.T) {
	tests := []struct {
		field    string
		mutate   func(r *Record)
		sentinel error
	}{
		{"schema_version", func(r *Record) { r.SchemaVersion = "2.0" }, ErrUnsupportedSchemaVersion},
		{"identity.ophamin_version", func(r *Record) { r.Identity.OphaminVersion = "" }, ErrInvalidRecord},
		{"identity.ophamin_git_commit", func(r *Record) { r.Identity.OphaminGitCommit = "\xff" }, ErrInvalidUTF8},
		{"identity.created_at", func(r *Record) { r.Identity.CreatedAt = "yesterday" }, ErrInvalidRecord},
		{"claim.statement", func(r *Record) { r.Claim.Statement = "" }, ErrInvalidRecord},
		{"claim.operationalization", func(r *Record) { r.Claim.Operationalization = "" }, ErrInvalidRecord},
		{"claim.h0", func(r *Record) { r.Claim.H0 = "" }, ErrInvalidRecord},
		{"claim.h1", func(r *Record) { r.Claim.H1 = "" }, ErrInvalidRecord},
		{"claim.threshold.metric", func(r *Record) { r.Claim.Threshold.Metric = "" }, ErrInvalidRecord},
		{"claim.threshold.comparator", func(r *Record) { r.Claim.Threshold.Comparator = "=>" }, ErrInvalidRecord},
		{"claim.threshold.value", func(r *Record) { r.Claim.Threshold.Value = math.NaN() }, ErrNonFinite},
		{"preregistration.config_hash", func(r *Record) { r.Preregistration.ConfigHash = "" }, ErrInvalidRecord},
		{"preregistration.data_hash", func(r *Record) { r.Preregistration.DataHash = "" }, ErrInvalidRecord},
		{"preregistration.preregistered_at", func(r *Record) { r.Preregistration.PreregisteredAt = "" }, ErrInvalidRecord},
		{"preregistration.sweep_grid.x", func(r *Record) { r.Preregistration.SweepGrid = map[string]any{"x": math.Inf(1)} }, ErrNonFinite},
		{"data.substrate_name", func(r *Record) { r.Data.SubstrateName = "" }, ErrInvalidRecord},
		{"data.datasets", func(r *Record) { r.Data.Datasets = nil }, ErrInvalidRecord},
		{"data.datasets[0].n_records", func(r *Record) { r.Data.Datasets[0].NRecords = 0 }, ErrInvalidRecord},
		{"data.datasets[0].name", func(r *Record) { r.Data.Datasets[0].Name = "\xfe" }, ErrInvalidUTF8},
		{"evidence", func(r *Record) { r.Evidence = nil }, ErrInvalidRecord},
		{"evidence[0].cross_check", func(r *Record) { r.Evidence[0].CrossCheck = "ok" }, ErrInvalidRecord},
		{"evidence[0].statistic_value", func(r *Record) { r.Evidence[0].StatisticValue = math.Inf(-1) }, ErrNonFinite},
		{"evidence[0].p_value", func(r *Record) { r.Evidence[0].PValue = f64(math.NaN()) }, ErrNonFinite},
		{"evidence[0].detail.c", func(r *Record) { r.Evidence[0].Detail = map[string]any{"c": make(chan int)} }, ErrInvalidRecord},
		{"evidence[0].detail.l[1]", func(r *Record) { r.Evidence[0].Detail = map[string]any{"l": []any{1, math.NaN()}} }, ErrNonFinite},
		{"evidence[0].detail.s[0]", func(r *Record) { r.Evidence[0].Detail = map[string]any{"s": []string{"\xff"}} }, ErrInvalidUTF8},
		{"evidence[0].detail.n", func(r *Record) { r.Evidence[0].Detail = map[string]any{"n": json.Number("1x")} }, ErrNotJSON},
		{"evidence[0].detail", func(r *Record) { r.Evidence[0].Detail = map[string]any{"\xff": 1} }, ErrInvalidUTF8},
		{"verdict.outcome", func(r *Record) { r.Verdict.Outcome = "MAYBE" }, ErrInvalidRecord},
		{"verdict.observed_value", func(r *Record) { r.Verdict.ObservedValue = math.NaN() }, ErrNonFinite},
		{"verdict.threshold.comparator", func(r *Record) { r.Verdict.Threshold.Comparator = "" }, ErrInvalidRecord},
		{"verdict.reasoning", func(r *Record) { r.Verdict.Reasoning = "" }, ErrInvalidRecord},
		{"reproduction.command", func(r *Record) { r.Reproduction.Command = "" }, ErrInvalidRecord},
		{"reproduction.environment", func(r *Record) { r.Reproduction.Environment = nil }, ErrInvalidRecord},
		{"reproduction.environment.k", func(r *Record) { r.Reproduction.Environment = map[string]string{"k": "\xff"} }, ErrInvalidUTF8},
		{"reproduction.lineage_chain[0]", func(r *Record) { r.Reproduction.LineageChain = []string{"\xff"} }, ErrInvalidUTF8},
		{"provenance.p", func(r *Record) { r.Provenance = map[string]any{"p": struct{}{}} }, ErrInvalidRecord},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			r := sampleRecord()
			tt.mutate(r)
			err := r.Validate()
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("Validate = %v, want %v", err, tt.sentinel)
			}
			var e *Error
			if !errors.As(err, &e) || e.Path != tt.field {
				t.Fatalf("field = %q, want %q (%v)", e.Path, tt.field, err)
			}
			if _, err := r.Sign(testKey); !errors.Is(err, tt.sentinel) {
				t.Errorf("Sign = %v", err)
			}
		})
	}
}

func TestRecordEncoding(t *testing.T) {
	r := sampleRecord()
	r.Data.Datasets[0].Kind = ""
	big2_64, _ := new(big.Int).SetString("18446744073709551616", 10)
	r.Provenance = map[string]any{
		"ints": []any{1, int64(-2), uint64(math.MaxUint64), big2_64, (*big.Int)(nil)},
		"num":  json.Number("1E5"), "raw": json.RawMessage(`{"b":1, "a":[true,false,null]}`),
		"floats":     []any{1.0, 1e16, 1e-5, math.Copysign(0, -1), 0.1},
		"env":        map[string]string{"z": "1", "a": "2"},
		"\U0001F600": 1, "\uFF61": 2,
	}
	body, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `"provenance":{"env":{"a":"2","z":"1"},"floats":[1.0,1e+16,1e-05,-0.0,0.1],` +
		`"ints":[1,-2,18446744073709551615,18446744073709551616,null],"num":100000.0,"raw":{"a":[true,false,null],"b":1},` +
		`"\uff61":2,"\ud83d\ude00":1}`
	if !bytes.Contains(body, []byte(want)) {
		t.Errorf("body:\n%s\nwant to contain\n%s", body, want)
	}
	if !bytes.Contains(body, []byte(`"kind":"corpus"`)) || !bytes.Contains(body, []byte(`"lineage_chain":[]`)) ||
		!bytes.Contains(body, []byte(`"sweep_grid":{"alpha":0.05,"n":100}`)) {
		t.Errorf("defaults missing: %s", body)
	}
	if c, err := Canonicalize(body); err != nil || !bytes.Equal(c, body) {
		t.Errorf("MarshalJSON is not canonical: %v", err)
	}
	// A zero Record lists its first problem.
	var zero Record
	if _, err := zero.MarshalJSON(); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("zero record: %v", err)
	}
}

func TestTimestamp(t *testing.T) {
	ts := time.Date(2026, 5, 31, 17, 46, 52, 196204000, time.FixedZone("x", 3600))
	if got := Timestamp(ts); got != "2026-05-31T16:46:52.196204+00:00" {
		t.Errorf("Timestamp = %s", got)
	}
	if got := Timestamp(ts.Truncate(time.Second)); got != "2026-05-31T16:46:52+00:00" {
		t.Errorf("Timestamp = %s", got)
	}
}

func TestParseRecord(t *testing.T) {
	rec := signedSample(t)
	r, err := ParseRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	if r.Evidence[0].Detail["n"] != json.Number("100") || r.Claim.Threshold.Value != 0.99 || r.Data.Datasets[0].Kind != "corpus" {
		t.Errorf("decoded %+v", r)
	}
	again, err := r.Sign(testKey)
	if err != nil || !bytes.Equal(again, rec) {
		t.Errorf("round trip changed the record: %v", err)
	}
	body, _ := sampleRecord().MarshalJSON()
	for name, tt := range map[string]struct {
		data     []byte
		sentinel error
	}{
		"not json":        {[]byte("{"), ErrNotJSON},
		"unknown field":   {setField(t, body, "extra", `1`), ErrInvalidRecord},
		"key case":        {bytes.Replace(body, []byte(`"claim"`), []byte(`"Claim"`), 1), ErrInvalidRecord},
		"int for float":   {bytes.Replace(body, []byte(`"statistic_value":1.0`), []byte(`"statistic_value":1`), 1), ErrInvalidRecord},
		"missing field":   {setField(t, body, "provenance", ""), ErrInvalidRecord},
		"wrong type":      {setField(t, body, "evidence", `{}`), ErrInvalidRecord},
		"field rule":      {bytes.Replace(body, []byte(`"VALIDATED"`), []byte(`"MAYBE"`), 1), ErrInvalidRecord},
		"schema version":  {setField(t, body, "schema_version", `"2.0"`), ErrUnsupportedSchemaVersion},
		"missing version": {setField(t, body, "schema_version", ""), ErrInvalidRecord},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseRecord(tt.data); !errors.Is(err, tt.sentinel) {
				t.Fatalf("ParseRecord = %v, want %v", err, tt.sentinel)
			}
		})
	}
}
