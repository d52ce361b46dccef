package workflow

import "testing"

func TestSafetyRuleApplies(t *testing.T) {
	r := DefaultSafetyRule
	tests := []struct {
		topics []string
		want   bool
	}{
		{nil, false},
		{[]string{"sleep", "nutrition"}, false},
		{[]string{"suicide"}, true},
		{[]string{"nutrition", "Self-Harm"}, true},
		{[]string{"self harm"}, true},
		{[]string{"  SELF_HARM "}, true},
		{[]string{"suicidal-ideation"}, false},
		{[]string{"", " "}, false},
	}
	for _, tc := range tests {
		if got := r.Applies(tc.topics); got != tc.want {
			t.Errorf("Applies(%q) = %v, want %v", tc.topics, got, tc.want)
		}
	}
	custom := SafetyRule{Topics: []string{"Eating Disorders"}, RequiredMarkers: []string{"NEDA"}}
	if !custom.Applies([]string{"eating-disorders"}) || custom.Applies([]string{"suicide"}) {
		t.Error("a configured rule replaces the default topics")
	}
	if (SafetyRule{}).Applies([]string{"suicide"}) {
		t.Error("an empty rule applies to nothing")
	}
}

func TestSafetyRuleSatisfied(t *testing.T) {
	r := DefaultSafetyRule
	tests := []struct {
		texts []string
		want  bool
	}{
		{nil, false},
		{[]string{"Talk to someone you trust."}, false},
		{[]string{"Call or text 988 any time."}, true},
		{[]string{"intro", "Text HOME to 741741."}, true},
		{[]string{"98 8"}, false},
	}
	for _, tc := range tests {
		if got := r.Satisfied(tc.texts...); got != tc.want {
			t.Errorf("Satisfied(%q) = %v, want %v", tc.texts, got, tc.want)
		}
	}
	samaritans := SafetyRule{Topics: []string{"suicide"}, RequiredMarkers: []string{"Samaritans"}}
	if !samaritans.Satisfied("call the SAMARITANS on 116 123") {
		t.Error("markers match case-insensitively")
	}
	if samaritans.Satisfied("call 988") {
		t.Error("a configured rule replaces the default markers")
	}
	if (SafetyRule{Topics: []string{"suicide"}, RequiredMarkers: []string{"", "  "}}).Satisfied("anything") {
		t.Error("blank markers must not match everything; a rule without markers fails closed")
	}
}

func TestSignatureMeaning(t *testing.T) {
	if SignatureMeaning != "clinically reviewed and approved" {
		t.Errorf("SignatureMeaning = %q", SignatureMeaning)
	}
}
