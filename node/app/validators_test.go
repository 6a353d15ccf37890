package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

func TestApplyValidatorUpdates(t *testing.T) {
	t.Parallel()
	a, b, c := attest.Address{0xa}, attest.Address{0xb}, attest.Address{0xc}
	base, err := attest.NewValidatorSet([]attest.Validator{{Address: a, Power: 1}, {Address: b, Power: 2}})
	require.NoError(t, err)
	cases := []struct {
		name    string
		vals    *attest.ValidatorSet
		updates []attest.Validator
		want    []attest.Validator
		wantErr bool
	}{
		{"none", base, nil, base.Validators, false},
		{"change power in place", base, []attest.Validator{{Address: a, Power: 5}}, []attest.Validator{{Address: a, Power: 5}, {Address: b, Power: 2}}, false},
		{"append new", base, []attest.Validator{{Address: c, Power: 3}}, []attest.Validator{{Address: a, Power: 1}, {Address: b, Power: 2}, {Address: c, Power: 3}}, false},
		{"remove", base, []attest.Validator{{Address: a}}, []attest.Validator{{Address: b, Power: 2}}, false},
		{"sequential: add then remove", base, []attest.Validator{{Address: c, Power: 3}, {Address: c}}, base.Validators, false},
		{"remove unknown", base, []attest.Validator{{Address: c}}, nil, true},
		{"empties the set", base, []attest.Validator{{Address: a}, {Address: b}}, nil, true},
		{"power overflow", base, []attest.Validator{{Address: c, Power: 1 << 62}}, nil, true},
		{"no set", nil, []attest.Validator{{Address: c, Power: 1}}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := app.ApplyValidatorUpdates(tc.vals, tc.updates)
			if tc.wantErr {
				require.ErrorIs(t, err, app.ErrValidatorUpdate)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Validators)
		})
	}
	require.Equal(t, []attest.Validator{{Address: a, Power: 1}, {Address: b, Power: 2}}, base.Validators, "input set is not mutated")
}

func TestExecuteAppliesEndBlockUpdates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	newVal := attest.Validator{Address: attest.Address{0xee}, Power: 7}
	h.mod.valUpdates = []attest.Validator{newVal}
	_, next, err := h.app.ExecuteBlock(h.st, h.info(1), nil, h.vals)
	require.NoError(t, err)
	require.Equal(t, append(h.vals.Copy().Validators, newVal), next.Validators)

	h.mod.valUpdates = []attest.Validator{{Address: h.vals.Validators[0].Address}}
	_, _, err = h.app.ExecuteBlock(h.st, h.info(2), nil, h.vals)
	require.ErrorIs(t, err, app.ErrValidatorUpdate, "removing the only validator halts")

	h.mod.valUpdates, h.mod.endErr = nil, errBoom
	_, _, err = h.app.ExecuteBlock(h.st, h.info(3), nil, h.vals)
	require.ErrorIs(t, err, errBoom)
}
