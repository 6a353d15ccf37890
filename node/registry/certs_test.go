package registry_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/registry"
)

func certTx(method string, v any) (string, []byte) {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic(err)
	}
	return "registry." + method, b
}

// The certificate lifecycle: a member registers as issuer, publishes a
// template, issues certificates to members and revokes one; verification
// answers valid, revoked, expired or unknown.
func TestCertificates(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	c.register(4, attest.RoleExchange)
	c.register(5, attest.RoleUser)

	typ, p := certTx(registry.MethodRegisterIssuer, registry.IssuerRequest{Name: "Acme KYC"})
	c.requireRefused(registry.CodeNotMember, 7, typ, p)
	c.requireOK(4, typ, p)
	c.requireRefused(registry.CodeIssuerExists, 4, typ, p)
	bad, bp := certTx(registry.MethodRegisterIssuer, registry.IssuerRequest{Name: ""})
	c.requireRefused(app.CodeMalformed, 5, bad, bp)

	tmpl := registry.Template{ID: "kyc-basic", Fields: []string{"name", "country"}}
	typ, p = certTx(registry.MethodPublish, tmpl)
	c.requireRefused(registry.CodeNotIssuer, 5, typ, p)
	c.requireOK(4, typ, p)
	c.requireRefused(registry.CodeTemplateExists, 4, typ, p)
	for _, fields := range [][]string{nil, {"name", "name"}, {""}} {
		typ, p := certTx(registry.MethodPublish, registry.Template{ID: "other", Fields: fields})
		c.requireRefused(app.CodeMalformed, 4, typ, p)
	}

	issue := func(req registry.IssueRequest) (string, []byte) { return certTx(registry.MethodIssue, req) }
	typ, p = issue(registry.IssueRequest{Template: "kyc-basic", Holder: c.addr(5), Values: []string{"Ada", "GB"}})
	r := c.requireOK(4, typ, p)
	id := r.TxHash
	require.Equal(t, id.Hex(), r.Events[0].Attr(registry.AttrCertificate))
	cert, err := registry.GetCertificate(c.st, id)
	require.NoError(t, err)
	require.Equal(t, registry.CertValid, cert.Status(c.timeMs()))
	require.Equal(t, []string{"Ada", "GB"}, cert.Values)
	require.Equal(t, c.addr(5), cert.Holder)

	typ, p = issue(registry.IssueRequest{Template: "kyc-basic", Holder: c.addr(8), Values: []string{"x", "y"}})
	c.requireRefused(registry.CodeUnknownMember, 4, typ, p)
	typ, p = issue(registry.IssueRequest{Template: "kyc-gold", Holder: c.addr(5), Values: []string{"x", "y"}})
	c.requireRefused(registry.CodeUnknownTemplate, 4, typ, p)
	typ, p = issue(registry.IssueRequest{Template: "kyc-basic", Holder: c.addr(5), Values: []string{"only one"}})
	c.requireRefused(app.CodeMalformed, 4, typ, p)
	typ, p = issue(registry.IssueRequest{Template: "kyc-basic", Holder: c.addr(5), Values: []string{"x", "y"}, ExpiresMs: 1})
	c.requireRefused(app.CodeMalformed, 4, typ, p)

	// A certificate that expires.
	typ, p = issue(registry.IssueRequest{Template: "kyc-basic", Holder: c.addr(5), Values: []string{"Ada", "GB"},
		ExpiresMs: c.timeMs() + 2*blockMs})
	short := c.requireOK(4, typ, p).TxHash
	sc, err := registry.GetCertificate(c.st, short)
	require.NoError(t, err)
	require.Equal(t, registry.CertValid, sc.Status(c.timeMs()-blockMs))
	require.Equal(t, registry.CertExpired, sc.Status(c.timeMs()+blockMs))

	typ, p = certTx(registry.MethodRevoke, id)
	c.requireRefused(registry.CodeNotIssuer, 5, typ, p)
	c.requireOK(4, typ, p)
	c.requireRefused(registry.CodeAlreadyRevoked, 4, typ, p)
	cert, err = registry.GetCertificate(c.st, id)
	require.NoError(t, err)
	require.Equal(t, registry.CertRevoked, cert.Status(c.timeMs()), "a revoked certificate does not pass as valid")
	typ, p = certTx(registry.MethodRevoke, attest.Hash{9})
	c.requireRefused(registry.CodeUnknownCertificate, 4, typ, p)

	none, err := registry.GetCertificate(c.st, attest.Hash{9})
	require.NoError(t, err)
	require.Equal(t, registry.CertUnknown, none.Status(c.timeMs()))
}
