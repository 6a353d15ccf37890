#!/bin/sh
# Generates what the compose services run from, once, into the data volume:
#
#   /data/alpha, /data/beta   two linked testnets of 4 validators (`causeway init
#                             --link`), node homes v0..v3, demo accounts
#   /data/relay/relay.toml    the relay's config with both genesis hashes
#   /data/gateway/gateway.toml  the gateways' config, signing for client "exchange"
#                             (keystore paths in both are relative to the file)
#   /data/gateway/api-key     the first API key of client "exchange"
#
# Each validator runs in its own container named <chain>-<i> and listens on
# 26656 (p2p) and 8545 (JSON-RPC), as node.toml says. A finished run leaves
# /data/.initialised and later runs do nothing; delete the volume (docker
# compose down -v) to start over.
set -eu

# The compose file mounts the volume at /data and the templates at /deploy.
readonly DATA=${CAUSEWAY_COMPOSE_DATA:-/data}
readonly TEMPLATES=${CAUSEWAY_COMPOSE_TEMPLATES:-/deploy}
readonly VALIDATORS=4
readonly ACCOUNTS=4          # demo0..2 sign for the gateway's client, demo3 for the relay
readonly P2P_PORT=26656
readonly CLIENT=exchange

if [ -f "$DATA/.initialised" ]; then
	echo "init: $DATA already initialised"
	exit 0
fi

# validator_address HOME prints the address of the validator key in HOME.
validator_address() {
	causeway config validate --home "$1" | sed -n 's/.*validator key \(0x[0-9a-fA-F]*\).*/\1/p'
}

# genesis_hash HOME prints the genesis hash of the node in HOME.
genesis_hash() {
	causeway config validate --home "$1" | sed -n 's/.*genesis \(0x[0-9a-f]*\),.*/\1/p'
}

# node_config CHAIN I writes validator I's config from the template: listen
# on every interface, dial the other validators by their container names.
node_config() {
	chain=$1 i=$2 peers="" j=0
	while [ "$j" -lt "$VALIDATORS" ]; do
		if [ "$j" != "$i" ]; then
			peers="$peers${peers:+, }\"$(validator_address "$DATA/$chain/v$j")@$chain-$j:$P2P_PORT\""
		fi
		j=$((j + 1))
	done
	cfg=$DATA/$chain/v$i/config/config.toml
	sed "s|@PEERS@|$peers|" "$TEMPLATES/node.toml" >"$cfg.new"
	mv "$cfg.new" "$cfg"
}

causeway init --chain-id alpha --validators "$VALIDATORS" --accounts "$ACCOUNTS" --home "$DATA/alpha" --force >/dev/null
causeway init --chain-id beta --validators "$VALIDATORS" --accounts "$ACCOUNTS" --home "$DATA/beta" --force \
	--link "$DATA/alpha" >/dev/null
for chain in alpha beta; do
	i=0
	while [ "$i" -lt "$VALIDATORS" ]; do
		node_config "$chain" "$i"
		i=$((i + 1))
	done
done

alpha_genesis=$(genesis_hash "$DATA/alpha/v0")
beta_genesis=$(genesis_hash "$DATA/beta/v0")
mkdir -p "$DATA/relay" "$DATA/gateway"
for role in relay gateway; do
	sed -e "s/@ALPHA_GENESIS@/$alpha_genesis/" -e "s/@BETA_GENESIS@/$beta_genesis/" \
		"$TEMPLATES/$role.toml" >"$DATA/$role/$role.toml"
done

# The first API key; the gateway config names the store and migrates it.
umask 077
causeway gateway keys add --config "$DATA/gateway/gateway.toml" --client "$CLIENT" >"$DATA/gateway/api-key"

touch "$DATA/.initialised"
echo "init: alpha genesis $alpha_genesis, beta genesis $beta_genesis"
echo "init: API key of client $CLIENT in $DATA/gateway/api-key:"
echo "  docker compose -f deploy/compose/compose.yaml exec gateway-1 cat $DATA/gateway/api-key"
