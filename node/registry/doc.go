// Package registry is the on-chain module that owns the validator set and
// the chain's identity layer (DESIGN §4).
//
// Validator set: at each height the genesis schedule names, and whenever
// a regulatory action removes, blacklists or demotes a validator, its
// EndBlock hands the node the new set, which takes effect at the next
// height and reaches other chains' light clients through the handoff
// header.
//
// Identity: a chain whose genesis carries an identity rule
// (chains.IdentityRule) admits only members. The module is the app's
// sender gate: an active member sends within its permissions, anyone may
// send a registration. Transactions:
//
//   - registry.register (attest.Endorsed): the sender becomes a member in
//     the role and under the account-tree node it names, when K distinct
//     CAs allowed to endorse that role signed the registration with their
//     current keys, for this chain's genesis, before it expired. A
//     blacklisted key never registers again.
//
//   - registry.regulate (attest.SignedAction): regulator signatures on an
//     action gather across transactions until the rule's threshold of
//     regulators signed identical content, then the action applies once
//     (its nonce is spent): blacklist, remove, limit, demote, unfreeze a
//     light client. Blacklisted and removed members are blocked as
//     receivers, so transfers to them get failed receipts and refund.
//
//   - registry.rotate_key (attest.SignedRotation): a CA or regulator moves
//     to its next key version, signed by its current key; every version is
//     kept so what old keys signed still verifies for its time.
//
//   - Certificates: registry.register_issuer, publish_template, issue and
//     revoke (certs.go); a certificate's status at a height is valid,
//     revoked, expired or unknown.
//
//   - Bonded relayers (bonds.go): registry.bond and registry.unbond; with
//     bonding terms in the rule only relayers bonded at the minimum send
//     relay messages, and one whose message fails cryptographic
//     verification is slashed (OnRejected) with the evidence kept. The
//     mempool admits such a message rather than refusing it (Penalizes),
//     so the block that rejects it also slashes. Relay fees earned are
//     kept per relayer by node/xfer; ListMembers, ListBonds and
//     ListSlashes list the registry's records.
//
//   - change_rule replaces the rule's terms (not its CAs, regulators or
//     members).
//
// Every refusal has a stable code in the 4xx band (codes.go) and changes
// nothing but the sender's nonce.
package registry
