package registry

import (
	"fmt"

	"github.com/causeway/causeway/node/app"
)

// The registry's stable rejection codes, in the 4xx band (attest 1xx, the
// app 2xx, xfer 3xx). Never renumbered or reused; new codes are appended.
const (
	CodeNoRule             app.Code = 400 // the chain has no identity rule
	CodeNotMember          app.Code = 401 // the sender is not an active member
	CodeBlacklisted        app.Code = 402 // the key is blacklisted: it may never act or register again
	CodeAlreadyMember      app.Code = 403 // the key is already an active member
	CodeWrongMember        app.Code = 404 // a registration names another account than its sender
	CodeRoleNotAdmitted    app.Code = 405 // the chain admits no member in that role
	CodeUnknownAccount     app.Code = 406 // the parent is not in the account tree
	CodeEndorsementExpire  app.Code = 407 // the endorsements expired before the block time
	CodeBadEndorsement     app.Code = 408 // an endorsement does not verify: unknown CA, stale key version, bad signature, a CA twice
	CodeCANotAllowed       app.Code = 409 // a CA endorsed a role it may not endorse
	CodeTooFewEndorse      app.Code = 410 // fewer than K endorsements
	CodeMethodNotAllowed   app.Code = 411 // the rule does not permit that regulatory method
	CodeActionExpired      app.Code = 412 // the regulatory action expired before the block time
	CodeActionReplayed     app.Code = 413 // the action's nonce was already applied
	CodeBadRegulatorSig    app.Code = 414 // a regulator signature does not verify: unknown regulator, stale key version, bad signature, a regulator twice
	CodeNothingNew         app.Code = 415 // every signature of the submission is already collected
	CodeBadParams          app.Code = 416 // the action's parameters do not fit its method
	CodeUnknownMember      app.Code = 417 // the action's target is not an active member
	CodeLastValidator      app.Code = 418 // the action would leave the chain without validators
	CodeUnknownHolder      app.Code = 419 // no CA or regulator of that id
	CodeStaleKey           app.Code = 420 // a rotation not signed by the holder's current key, or not to the next version
	CodeRotationRefused    app.Code = 421 // the rule forbids rotating now (disabled, or too soon after the last)
	CodeKeyInUse           app.Code = 422 // the new key is already some holder's key
	CodePermissionDenied   app.Code = 423 // the member's permissions do not cover this transaction
	CodeNoBonds            app.Code = 424 // the rule has no bonding terms
	CodeNotRelayer         app.Code = 425 // only members with the relayer role bond
	CodeNotBonded          app.Code = 426 // a relay message from a relayer without a sufficient bond
	CodeUnbonding          app.Code = 427 // the bond is on its way back
	CodeIssuerExists       app.Code = 428 // the sender is already a certificate issuer
	CodeNotIssuer          app.Code = 429 // the sender is not an issuer, or not this certificate's
	CodeTemplateExists     app.Code = 430 // a published template never changes
	CodeUnknownTemplate    app.Code = 431 // the issuer has no template of that id
	CodeUnknownCertificate app.Code = 432 // no certificate of that id
	CodeAlreadyRevoked     app.Code = 433 // the certificate is already revoked
)

var codeNames = map[app.Code]string{
	CodeNoRule:             "no_rule",
	CodeNotMember:          "not_member",
	CodeBlacklisted:        "blacklisted",
	CodeAlreadyMember:      "already_member",
	CodeWrongMember:        "wrong_member",
	CodeRoleNotAdmitted:    "role_not_admitted",
	CodeUnknownAccount:     "unknown_account",
	CodeEndorsementExpire:  "endorsement_expired",
	CodeBadEndorsement:     "bad_endorsement",
	CodeCANotAllowed:       "ca_not_allowed",
	CodeTooFewEndorse:      "too_few_endorsements",
	CodeMethodNotAllowed:   "method_not_allowed",
	CodeActionExpired:      "action_expired",
	CodeActionReplayed:     "action_replayed",
	CodeBadRegulatorSig:    "bad_regulator_signature",
	CodeNothingNew:         "nothing_new",
	CodeBadParams:          "bad_params",
	CodeUnknownMember:      "unknown_member",
	CodeLastValidator:      "last_validator",
	CodeUnknownHolder:      "unknown_holder",
	CodeStaleKey:           "stale_key",
	CodeRotationRefused:    "rotation_refused",
	CodeKeyInUse:           "key_in_use",
	CodePermissionDenied:   "permission_denied",
	CodeNoBonds:            "no_bonds",
	CodeNotRelayer:         "not_relayer",
	CodeNotBonded:          "not_bonded",
	CodeUnbonding:          "unbonding",
	CodeIssuerExists:       "issuer_exists",
	CodeNotIssuer:          "not_issuer",
	CodeTemplateExists:     "template_exists",
	CodeUnknownTemplate:    "unknown_template",
	CodeUnknownCertificate: "unknown_certificate",
	CodeAlreadyRevoked:     "already_revoked",
}

var _ = app.RegisterCodes(codeNames)

// CodeName is the snake_case name of a registry code.
func CodeName(c app.Code) string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return c.String()
}

// rejectf builds a coded rejection; its Error() starts with the code's name.
func rejectf(c app.Code, format string, args ...any) error {
	return &app.Error{Code: c, Msg: fmt.Sprintf(format, args...)}
}
