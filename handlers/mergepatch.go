package handlers

import (
	"bytes"
	"encoding/json"

	"github.com/vetted-cms/vetted/models"
)

// MergePatch applies a JSON merge patch (RFC 7396) to target, encoded as
// JSON, and returns the merged document. An object in the patch merges
// member by member, null removes a member, anything else replaces it.
// Numbers keep their text (no float rounding).
func MergePatch(target any, patch []byte) ([]byte, error) {
	tb, err := json.Marshal(target)
	if err != nil {
		return nil, err
	}
	var t, p any
	if err := decodeNumbers(tb, &t); err != nil {
		return nil, err
	}
	if err := decodeNumbers(patch, &p); err != nil {
		return nil, models.Invalid("the patch is not valid JSON", nil)
	}
	return json.Marshal(mergeValue(t, p))
}

func decodeNumbers(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// mergeValue is RFC 7396's MergePatch(Target, Patch).
func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], v)
	}
	return tm
}
