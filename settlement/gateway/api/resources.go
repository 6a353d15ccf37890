package api

import (
	"regexp"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// Headers the API reads and writes.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderReplayed is "true" on a response replayed for a repeated
	// Idempotency-Key.
	HeaderReplayed = "Idempotent-Replayed"
	// HeaderAPIKey is an alternative to "Authorization: Bearer <key>".
	HeaderAPIKey = "X-API-Key"
)

// MaxIdempotencyKeyBytes bounds an Idempotency-Key (it becomes the
// transfer's client reference).
const MaxIdempotencyKeyBytes = settlement.MaxClientRefBytes

var idempotencyKeyRe = regexp.MustCompile(`^[A-Za-z0-9_.:\-]{1,128}$`)

// ValidIdempotencyKey reports whether k is 1–128 of letters, digits and
// _ . : -.
func ValidIdempotencyKey(k string) bool { return idempotencyKeyRe.MatchString(k) }

// SubmitRequest is the body of POST /v1/transfers: exactly one of SignedTx
// (an xfer.transfer transaction the client signed, hex of its encoding) and
// Intent (a transfer the gateway signs with the key it holds for the
// client).
type SubmitRequest struct {
	SignedTx string  `json:"signed_tx,omitzero"`
	Intent   *Intent `json:"intent,omitempty"`
}

// Intent is a transfer for the gateway to sign. Amount and Fee are decimal
// strings (fee defaults to "0"). At least one deadline: TimeoutSeconds after
// the source chain's latest block time, or TimeoutHeight on the
// destination; when neither is given the gateway's default timeout applies.
type Intent struct {
	From           Endpoint `json:"from"`
	To             Endpoint `json:"to"`
	Amount         string   `json:"amount"`
	Denom          string   `json:"denom"`
	Fee            string   `json:"fee,omitzero"`
	TimeoutSeconds uint64   `json:"timeout_seconds,omitzero"`
	TimeoutHeight  uint64   `json:"timeout_height,omitzero"`
	Memo           string   `json:"memo,omitzero"`
}

// Endpoint is an account on a chain.
type Endpoint struct {
	Chain   string         `json:"chain"`
	Address attest.Address `json:"address"`
}

// SubmitResponse is the 202 body of POST /v1/transfers.
type SubmitResponse struct {
	ID       settlement.TransferID `json:"id"`
	URL      string                `json:"url"`
	Status   settlement.Status     `json:"status"`
	TxHash   attest.Hash           `json:"tx_hash"`
	Transfer *Transfer             `json:"transfer"`
}

// Chain is one chain the gateway serves (GET /v1/chains).
type Chain struct {
	ID          string      `json:"id"`
	GenesisHash attest.Hash `json:"genesis_hash"`
	// Up is false when no endpoint answered; the other live fields are
	// then zero.
	Up          bool        `json:"up"`
	Height      uint64      `json:"height"`
	BlockTime   time.Time   `json:"block_time,omitzero"`
	Validators  []Validator `json:"validators"`
	TotalPower  uint64      `json:"total_power"`
	Endpoints   int         `json:"endpoints"`
	EndpointsUp int         `json:"endpoints_up"`
}

// Validator is one member of a chain's validator set.
type Validator struct {
	Address attest.Address `json:"address"`
	Power   uint64         `json:"power"`
}

// ChainList is GET /v1/chains.
type ChainList struct {
	Chains []Chain `json:"chains"`
}

// Route is one direction between two chains (GET /v1/routes), as the
// source chain's xfer module holds it.
type Route struct {
	ID           string       `json:"id"` // "src.dst", the route filter of lists and feeds
	Src          string       `json:"src"`
	Dst          string       `json:"dst"`
	Open         bool         `json:"open"` // false: frozen or closed, transfers are refused
	NextSequence uint64       `json:"next_sequence"`
	Limits       []RouteLimit `json:"limits"`
	Height       uint64       `json:"height"` // the source height read
}

// RouteLimit is a per-denomination cap on a route.
type RouteLimit struct {
	Denom        string `json:"denom"`
	MaxPerPacket string `json:"max_per_packet"`
	WindowAmount string `json:"window_amount"`
	WindowMs     uint64 `json:"window_ms"`
}

// RouteList is GET /v1/routes.
type RouteList struct {
	Routes []Route `json:"routes"`
}

// RouteID names route src→dst.
func RouteID(src, dst string) string { return src + "." + dst }

// Relayer is one relay signer on one chain (GET /v1/relayers): what the
// settlement store recorded of its submissions, and what the chain holds
// of it — membership, bond, the relay fees it has been paid and how often
// it was slashed.
type Relayer struct {
	Chain    string         `json:"chain"`
	Signer   attest.Address `json:"signer"`
	Included int            `json:"included"`
	Failed   int            `json:"failed"`
	Pending  int            `json:"pending"`
	Dropped  int            `json:"dropped"`
	// Packets sums the batch sizes of its included submissions.
	Packets int `json:"packets"`
	// LastAt is its last recorded submission; null when the store has
	// none (a relayer known only from the chain).
	LastAt *time.Time `json:"last_at"`
	// Role and Status are its membership on a consortium chain; empty on
	// an open chain or when it never registered.
	Role       string      `json:"role,omitempty"`
	Status     string      `json:"status,omitempty"`
	Bond       *MemberBond `json:"bond,omitempty"` // absent when it never bonded
	FeesEarned []Coin      `json:"fees_earned"`
	Slashes    int         `json:"slashes"`
}

// RelayerList is GET /v1/relayers, ordered by chain then signer.
// BondTerms holds each chain's bonding terms, for chains that have them.
// Unavailable names chains whose on-chain records could not be read: their
// relayers show only what the store recorded.
type RelayerList struct {
	Relayers    []Relayer             `json:"relayers"`
	BondTerms   map[string]*BondTerms `json:"bond_terms"`
	Unavailable []string              `json:"unavailable"`
}

// BondTerms are what a relayer must lock on a chain: Min of Denom, kept
// UnbondDelayMs after unbonding; one failed verification burns
// SlashPermille of the bond.
type BondTerms struct {
	Denom         string `json:"denom"`
	Min           string `json:"min"`
	UnbondDelayMs uint64 `json:"unbond_delay_ms"`
	SlashPermille uint32 `json:"slash_permille"`
}

// MemberList is GET /v1/members/{chain}: one page of the chain registry's
// members in address order. NextCursor is "" after the last page.
type MemberList struct {
	Chain      string    `json:"chain"`
	Height     uint64    `json:"height"`
	Members    []*Member `json:"members"`
	NextCursor string    `json:"next_cursor"`
}

// Slash is one slashing recorded on a chain: the relay transaction that
// failed verification, its type and code, where it landed and what was
// burned from the relayer's bond.
type Slash struct {
	Relayer attest.Address `json:"relayer"`
	TxHash  attest.Hash    `json:"tx_hash"`
	Type    string         `json:"type"`
	Code    uint32         `json:"code"`
	Height  uint64         `json:"height"`
	Denom   string         `json:"denom"`
	Amount  string         `json:"amount"`
}

// SlashList is GET /v1/slashes/{chain}: one page of a chain's slashings in
// transaction-hash order. NextCursor is "" after the last page.
type SlashList struct {
	Chain      string  `json:"chain"`
	Height     uint64  `json:"height"`
	Slashes    []Slash `json:"slashes"`
	NextCursor string  `json:"next_cursor"`
}

// Member is GET /v1/members/{chain}/{address}: the chain registry's record
// of a member of a consortium chain.
type Member struct {
	Chain       string         `json:"chain"`
	Address     attest.Address `json:"address"`
	Height      uint64         `json:"height"`
	Role        string         `json:"role"`
	Parent      string         `json:"parent"`
	Status      string         `json:"status"` // active, removed or blacklisted
	Permissions []string       `json:"permissions"`
	// AdmittedHeight is where its registration landed (0: genesis).
	AdmittedHeight uint64      `json:"admitted_height"`
	Endorsers      []string    `json:"endorsers"`
	Bond           *MemberBond `json:"bond,omitempty"` // a relayer's stake; absent when it never bonded
	FeesEarned     []Coin      `json:"fees_earned"`    // relay fees paid to it since genesis
}

// MemberBond is a relayer's bond on a chain.
type MemberBond struct {
	Denom     string `json:"denom"`
	Amount    string `json:"amount"`
	Slashed   string `json:"slashed"`
	ReleaseMs uint64 `json:"release_ms"` // 0 while bonded
}

// Account is GET /v1/accounts/{chain}/{address}.
type Account struct {
	Chain    string         `json:"chain"`
	Address  attest.Address `json:"address"`
	Height   uint64         `json:"height"`
	Nonce    uint64         `json:"nonce"`
	Balances []Coin         `json:"balances"`
}

// Coin is an amount of a denomination.
type Coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// ReconciliationReport is GET /v1/reconciliation: the newest conservation
// check of every route and denomination. OK is true when every one holds.
type ReconciliationReport struct {
	OK      bool                         `json:"ok"`
	Results []*settlement.Reconciliation `json:"results"`
}
