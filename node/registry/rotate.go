package registry

import (
	"strconv"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// rotateKey gives a CA or regulator its next key, signed by its current
// one. Earlier versions stay on record, so what they signed still
// verifies for its time.
func rotateKey(ctx *app.Context, rule *Rule, payload []byte, deliver bool) error {
	s, err := attest.DecodeSignedRotation(payload)
	if err != nil {
		return app.Errorf(app.CodeMalformed, "key rotation: %v", err)
	}
	r := &s.Rotation
	if r.Kind != attest.KeyCA && r.Kind != attest.KeyRegulator {
		return app.Errorf(app.CodeMalformed, "key rotation: kind %d is neither a CA nor a regulator", r.Kind)
	}
	h, err := GetHolder(ctx.State, r.Kind, r.Holder)
	if err != nil {
		return err
	}
	if h == nil {
		return rejectf(CodeUnknownHolder, "no %s %q", kindName(r.Kind), r.Holder)
	}
	cur := h.Current()
	if r.NewVersion != cur.Version+1 {
		return rejectf(CodeStaleKey, "%q is at key version %d; a rotation goes to %d, not %d", r.Holder, cur.Version,
			cur.Version+1, r.NewVersion)
	}
	if err := attest.VerifySchnorr(cur.Key, r.Digest(ctx.Genesis), s.Sig); err != nil {
		return rejectf(CodeStaleKey, "the rotation is not signed by %q's current key (version %d)", r.Holder, cur.Version)
	}
	switch {
	case rule.Rotation.Disabled:
		return rejectf(CodeRotationRefused, "the rule does not allow key rotation")
	case deliver && h.RotatedMs != 0 && ctx.TimeMs < h.RotatedMs+rule.Rotation.MinIntervalMs:
		return rejectf(CodeRotationRefused, "%q rotated at %d; the next rotation may come at %d", r.Holder, h.RotatedMs,
			h.RotatedMs+rule.Rotation.MinIntervalMs)
	}
	if err := keyUnused(ctx.State, r.NewKey); err != nil {
		return err
	}
	if !deliver {
		return nil
	}
	h.Keys = append(h.Keys, KeyVersion{Version: r.NewVersion, Key: r.NewKey, FromHeight: ctx.Height})
	h.RotatedMs = ctx.TimeMs
	if err := write(ctx.State, holderKey(r.Kind, r.Holder), h); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventKeyRotated, Attrs: []app.Attr{
		{Key: AttrHolder, Value: r.Holder}, {Key: AttrKeyVersion, Value: strconv.FormatUint(uint64(r.NewVersion), 10)},
	}})
	return nil
}

// keyUnused refuses a key that any CA or regulator holds or has held.
func keyUnused(kv app.KV, key attest.SchnorrKey) error {
	for _, kind := range []attest.KeyKind{attest.KeyCA, attest.KeyRegulator} {
		ids, err := holderIDs(kv, kind)
		if err != nil {
			return err
		}
		for _, id := range ids {
			h, err := GetHolder(kv, kind, id)
			if err != nil {
				return err
			}
			for _, k := range h.Keys {
				if k.Key == key {
					return rejectf(CodeKeyInUse, "the key is (or was) %s %q's", kindName(kind), id)
				}
			}
		}
	}
	return nil
}

func kindName(k attest.KeyKind) string {
	if k == attest.KeyCA {
		return "CA"
	}
	return "regulator"
}
