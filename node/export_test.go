package node

// MsgVote is the vote message type, for tests that play a byzantine peer.
const MsgVote = msgVote
