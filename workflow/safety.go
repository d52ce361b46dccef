package workflow

import "strings"

// SafetyRule is the mental-health safety rule as data: articles tagged
// with any of Topics cannot be submitted unless their content mentions at
// least one of RequiredMarkers (a crisis line such as 988). Operators may
// replace it, e.g. to add local crisis lines as further markers.
type SafetyRule struct {
	Topics          []string
	RequiredMarkers []string
}

// DefaultSafetyRule covers suicide and self-harm and accepts the US 988
// Suicide & Crisis Lifeline or the Crisis Text Line (741741).
var DefaultSafetyRule = SafetyRule{
	Topics:          []string{"suicide", "self-harm"},
	RequiredMarkers: []string{"988", "741741"},
}

// Applies reports whether any of topics is one of the rule's topics.
// Topics compare case-insensitively, and spaces and underscores count as
// hyphens, so "Self Harm" and "self_harm" match "self-harm".
func (r SafetyRule) Applies(topics []string) bool {
	for _, t := range topics {
		nt := normTopic(t)
		if nt == "" {
			continue
		}
		for _, s := range r.Topics {
			if normTopic(s) == nt {
				return true
			}
		}
	}
	return false
}

// Satisfied reports whether any of texts contains, case-insensitively, at
// least one of the rule's non-blank markers. A rule without markers is
// never satisfied: a misconfiguration blocks sensitive articles rather than
// letting them through without crisis resources.
func (r SafetyRule) Satisfied(texts ...string) bool {
	var markers []string
	for _, m := range r.RequiredMarkers {
		if m = strings.TrimSpace(m); m != "" {
			markers = append(markers, strings.ToLower(m))
		}
	}
	for _, t := range texts {
		lt := strings.ToLower(t)
		for _, m := range markers {
			if strings.Contains(lt, m) {
				return true
			}
		}
	}
	return false
}

func normTopic(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '_' || r == '-' || r == '\t'
	}), "-")
}
