package registry

import (
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// Method names of the certificate transactions.
const (
	MethodRegisterIssuer = "register_issuer"  // payload: RLP IssuerRequest
	MethodPublish        = "publish_template" // payload: RLP Template (Issuer is the sender)
	MethodIssue          = "issue"            // payload: RLP IssueRequest
	MethodRevoke         = "revoke"           // payload: RLP certificate id (attest.Hash)
)

// Certificate state keys.
const (
	issuerPrefix   = "registry/issuer/"   // <0xaddr> → Issuer
	templatePrefix = "registry/template/" // <0xissuer>/<template id> → Template
	certPrefix     = "registry/cert/"     // <certificate id> → Certificate
)

// Certificate limits.
const (
	MaxTemplateFields = 32
	MaxFieldBytes     = 256
	MaxNameBytes      = 64
)

// Certificate events.
const (
	EventIssuer      = "registry.issuer_registered"
	EventTemplate    = "registry.template_published"
	EventIssued      = "registry.certificate_issued"
	EventRevoked     = "registry.certificate_revoked"
	AttrIssuer       = "issuer"
	AttrTemplate     = "template"
	AttrCertificate  = "certificate"
	attrIssuerName   = "name"
	attrTemplateSize = "fields"
)

// Issuer is a member that issues certificates.
type Issuer struct {
	Address attest.Address
	Name    string
	Height  uint64
}

// IssuerRequest registers the sender as an issuer.
type IssuerRequest struct{ Name string }

// Template is a published certificate form: named fields, fixed for good.
type Template struct {
	Issuer attest.Address
	ID     string
	Fields []string
}

// IssueRequest issues a certificate of one of the sender's templates to a
// member: one value per field, valid until ExpiresMs of block time (0:
// no expiry).
type IssueRequest struct {
	Template  string
	Holder    attest.Address
	Values    []string
	ExpiresMs uint64
}

// Certificate is an issued certificate. Its id is the hash of the issuing
// transaction.
type Certificate struct {
	ID            attest.Hash
	Issuer        attest.Address
	Template      string
	Holder        attest.Address
	Values        []string
	IssuedHeight  uint64
	ExpiresMs     uint64
	Revoked       bool
	RevokedHeight uint64
}

// Certificate statuses as verification answers them.
const (
	CertValid   = "valid"
	CertRevoked = "revoked"
	CertExpired = "expired"
	CertUnknown = "unknown"
)

// Status is what a certificate is at block time nowMs: revoked wins over
// expired.
func (c *Certificate) Status(nowMs uint64) string {
	switch {
	case c == nil:
		return CertUnknown
	case c.Revoked:
		return CertRevoked
	case c.ExpiresMs != 0 && nowMs >= c.ExpiresMs:
		return CertExpired
	}
	return CertValid
}

// CertKey is the state key of certificate id, for proofs.
func CertKey(id attest.Hash) []byte { return []byte(certPrefix + id.Hex()) }

func issuerKey(a attest.Address) []byte {
	return append([]byte(issuerPrefix), app.AddressKey(a)...)
}

func templateKey(issuer attest.Address, id string) []byte {
	return append(append([]byte(templatePrefix), app.AddressKey(issuer)...), "/"+id...)
}

// GetIssuer returns addr's issuer record, nil when it is none.
func GetIssuer(kv app.KV, addr attest.Address) (*Issuer, error) {
	var i Issuer
	ok, err := read(kv, issuerKey(addr), &i)
	if !ok || err != nil {
		return nil, err
	}
	return &i, nil
}

// GetTemplate returns an issuer's template, nil when none.
func GetTemplate(kv app.KV, issuer attest.Address, id string) (*Template, error) {
	var t Template
	ok, err := read(kv, templateKey(issuer, id), &t)
	if !ok || err != nil {
		return nil, err
	}
	return &t, nil
}

// GetCertificate returns certificate id, nil when none was issued.
func GetCertificate(kv app.KV, id attest.Hash) (*Certificate, error) {
	var c Certificate
	ok, err := read(kv, CertKey(id), &c)
	if !ok || err != nil {
		return nil, err
	}
	return &c, nil
}

func certs(ctx *app.Context, sender attest.Address, method string, payload []byte, deliver bool) error {
	switch method {
	case MethodRegisterIssuer:
		var req IssuerRequest
		if err := rlp.DecodeBytes(payload, &req); err != nil || !validName(req.Name) {
			return app.Errorf(app.CodeMalformed, "register_issuer takes a name of 1 to %d printable bytes", MaxNameBytes)
		}
		switch i, err := GetIssuer(ctx.State, sender); {
		case err != nil:
			return err
		case i != nil:
			return rejectf(CodeIssuerExists, "%s is already the issuer %q", sender, i.Name)
		case !deliver:
			return nil
		}
		if err := write(ctx.State, issuerKey(sender), &Issuer{Address: sender, Name: req.Name, Height: ctx.Height}); err != nil {
			return err
		}
		ctx.Emit(app.Event{Type: EventIssuer, Attrs: []app.Attr{{Key: AttrIssuer, Value: sender.Hex()},
			{Key: attrIssuerName, Value: req.Name}}})
		return nil
	case MethodPublish:
		var t Template
		if err := rlp.DecodeBytes(payload, &t); err != nil || !validName(t.ID) || !validFields(t.Fields) {
			return app.Errorf(app.CodeMalformed, "a template is an id and 1 to %d distinct field names", MaxTemplateFields)
		}
		if err := mustBeIssuer(ctx.State, sender); err != nil {
			return err
		}
		if old, err := GetTemplate(ctx.State, sender, t.ID); err != nil {
			return err
		} else if old != nil {
			return rejectf(CodeTemplateExists, "template %q is published and cannot change; publish another id", t.ID)
		}
		if !deliver {
			return nil
		}
		t.Issuer = sender
		if err := write(ctx.State, templateKey(sender, t.ID), &t); err != nil {
			return err
		}
		ctx.Emit(app.Event{Type: EventTemplate, Attrs: []app.Attr{{Key: AttrIssuer, Value: sender.Hex()},
			{Key: AttrTemplate, Value: t.ID}, {Key: attrTemplateSize, Value: strings.Join(t.Fields, ",")}}})
		return nil
	case MethodIssue:
		return issue(ctx, sender, payload, deliver)
	default:
		return revoke(ctx, sender, payload, deliver)
	}
}

func issue(ctx *app.Context, sender attest.Address, payload []byte, deliver bool) error {
	var req IssueRequest
	if err := rlp.DecodeBytes(payload, &req); err != nil {
		return app.Errorf(app.CodeMalformed, "issue: %v", err)
	}
	if err := mustBeIssuer(ctx.State, sender); err != nil {
		return err
	}
	t, err := GetTemplate(ctx.State, sender, req.Template)
	if err != nil {
		return err
	}
	if t == nil {
		return rejectf(CodeUnknownTemplate, "%s has no template %q", sender, req.Template)
	}
	if len(req.Values) != len(t.Fields) || slices.ContainsFunc(req.Values, func(v string) bool { return len(v) > MaxFieldBytes }) {
		return app.Errorf(app.CodeMalformed, "template %q takes %d values of at most %d bytes (%s)", t.ID, len(t.Fields),
			MaxFieldBytes, strings.Join(t.Fields, ", "))
	}
	m, err := GetMember(ctx.State, req.Holder)
	if err != nil {
		return err
	}
	if m == nil || m.Status != StatusActive {
		return rejectf(CodeUnknownMember, "certificates go to active members; %s is none", req.Holder)
	}
	if deliver && req.ExpiresMs != 0 && req.ExpiresMs <= ctx.TimeMs {
		return app.Errorf(app.CodeMalformed, "the certificate would be born expired (%d, block time %d)", req.ExpiresMs, ctx.TimeMs)
	}
	if !deliver {
		return nil
	}
	c := &Certificate{ID: ctx.TxHash, Issuer: sender, Template: t.ID, Holder: req.Holder, Values: req.Values,
		IssuedHeight: ctx.Height, ExpiresMs: req.ExpiresMs}
	if err := write(ctx.State, CertKey(c.ID), c); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventIssued, Attrs: []app.Attr{{Key: AttrCertificate, Value: c.ID.Hex()},
		{Key: AttrIssuer, Value: sender.Hex()}, {Key: AttrTemplate, Value: t.ID}, {Key: AttrHolder, Value: req.Holder.Hex()}}})
	return nil
}

func revoke(ctx *app.Context, sender attest.Address, payload []byte, deliver bool) error {
	var id attest.Hash
	if err := rlp.DecodeBytes(payload, &id); err != nil {
		return app.Errorf(app.CodeMalformed, "revoke takes a certificate id")
	}
	c, err := GetCertificate(ctx.State, id)
	switch {
	case err != nil:
		return err
	case c == nil:
		return rejectf(CodeUnknownCertificate, "no certificate %s", id)
	case c.Issuer != sender:
		return rejectf(CodeNotIssuer, "only %s, its issuer, revokes certificate %s", c.Issuer, id)
	case c.Revoked:
		return rejectf(CodeAlreadyRevoked, "certificate %s was revoked at height %d", id, c.RevokedHeight)
	case !deliver:
		return nil
	}
	c.Revoked, c.RevokedHeight = true, ctx.Height
	if err := write(ctx.State, CertKey(id), c); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventRevoked, Attrs: []app.Attr{{Key: AttrCertificate, Value: id.Hex()},
		{Key: AttrIssuer, Value: sender.Hex()}}})
	return nil
}

func mustBeIssuer(kv app.KV, addr attest.Address) error {
	i, err := GetIssuer(kv, addr)
	if err != nil {
		return err
	}
	if i == nil {
		return rejectf(CodeNotIssuer, "%s is not a certificate issuer (registry.register_issuer)", addr)
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > MaxNameBytes {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func validFields(fields []string) bool {
	if len(fields) == 0 || len(fields) > MaxTemplateFields {
		return false
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if !validName(f) || seen[f] {
			return false
		}
		seen[f] = true
	}
	return true
}
