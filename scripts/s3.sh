#!/usr/bin/env bash
# A local S3 server for the object-storage tests: moto's server (from the
# package index, into a venv of its own) on a free loopback port, with the
# test bucket created.
#
#   scripts/s3.sh start      start it (state in $PF_S3_STATE, /tmp/parquetframe-s3 by default)
#   scripts/s3.sh env        print the variables that point clients at it (eval "$(scripts/s3.sh env)")
#   scripts/s3.sh stop       stop it
#   scripts/s3.sh run CMD..  start it, run CMD with those variables, stop it; CMD's exit code
#
# The variables: AWS_ENDPOINT_URL, AWS_ALLOW_HTTP=true, test credentials,
# AWS_REGION, and PF_TEST_S3=s3://parquetframe-test (the bucket
# the tests write under, each test in a prefix of its own).
#
# A second server checks credentials (moto's IAM authentication, on after
# the four requests that create its bucket `parquetframe-auth`, a user
# allowed `s3:*`, and that user's access key): PF_TEST_S3_AUTH_ENDPOINT,
# PF_TEST_S3_AUTH_KEY and PF_TEST_S3_AUTH_SECRET, for the tests of wrong
# credentials. The first server accepts any.
set -euo pipefail
cd "$(dirname "$0")/.."

state="${PF_S3_STATE:-/tmp/parquetframe-s3}"
venv="${PF_S3_VENV:-${HOME:-/tmp}/.cache/parquetframe-s3-venv}"
bucket="parquetframe-test"

python_env() {
  if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv" >&2
  fi
  if ! "$venv/bin/python" -c "import moto.server, boto3, flask_cors" 2>/dev/null; then
    echo "installing moto[server] into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]>=5.1" >&2
  fi
}

free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

print_env() {
  local port
  port="$(cat "$state/port")"
  cat "$state/auth/env"
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=parquetframe-test
export AWS_SECRET_ACCESS_KEY=parquetframe-test
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export PF_TEST_S3=s3://$bucket
EOF
}

start() {
  python_env
  if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
    echo "the S3 server is already running (pid $(cat "$state/pid"), port $(cat "$state/port"))" >&2
    return 0
  fi
  mkdir -p "$state"
  local port
  port="$(free_port)"
  echo "$port" > "$state/port"
  "$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port" > "$state/server.log" 2>&1 &
  echo $! > "$state/pid"
  for _ in $(seq 1 100); do
    if "$venv/bin/python" - "$port" "$bucket" <<'EOF' 2>/dev/null; then
import sys, boto3
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                  aws_access_key_id="parquetframe-test", aws_secret_access_key="parquetframe-test")
s3.create_bucket(Bucket=sys.argv[2])
EOF
      echo "S3 server (moto) on 127.0.0.1:$port, bucket $bucket (pid $(cat "$state/pid"))" >&2
      start_auth
      return 0
    fi
    sleep 0.2
  done
  echo "the S3 server did not start; its log:" >&2
  cat "$state/server.log" >&2
  stop
  return 1
}

# The credential-checking server: its four free requests set it up, every
# later one must be signed with the key it printed.
start_auth() {
  local port
  port="$(free_port)"
  mkdir -p "$state/auth"
  INITIAL_NO_AUTH_ACTION_COUNT=4 "$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port" \
    > "$state/auth/server.log" 2>&1 &
  echo $! > "$state/auth/pid"
  for _ in $(seq 1 100); do
    if "$venv/bin/python" - "$port" > "$state/auth/env" 2>/dev/null <<'EOF'; then
import json, sys, boto3
endpoint = f"http://127.0.0.1:{sys.argv[1]}"
anyone = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
boto3.client("s3", **anyone).create_bucket(Bucket="parquetframe-auth")
iam = boto3.client("iam", **anyone)
iam.create_user(UserName="parquetframe")
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
iam.put_user_policy(UserName="parquetframe", PolicyName="s3", PolicyDocument=json.dumps(policy))
key = iam.create_access_key(UserName="parquetframe")["AccessKey"]
print(f"export PF_TEST_S3_AUTH_ENDPOINT={endpoint}")
print(f"export PF_TEST_S3_AUTH_KEY={key['AccessKeyId']}")
print(f"export PF_TEST_S3_AUTH_SECRET={key['SecretAccessKey']}")
EOF
      echo "S3 server checking credentials on 127.0.0.1:$port, bucket parquetframe-auth" >&2
      return 0
    fi
    sleep 0.2
  done
  echo "the credential-checking S3 server did not start; its log:" >&2
  cat "$state/auth/server.log" >&2
  stop
  return 1
}

stop() {
  local pid
  for pid in "$state/pid" "$state/auth/pid"; do
    if [ -f "$pid" ]; then
      kill "$(cat "$pid")" 2>/dev/null || true
      rm -f "$pid"
    fi
  done
}


case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  run)
    shift
    start
    trap stop EXIT
    eval "$(print_env)"
    "$@"
    ;;
  *)
    echo "usage: $0 start|stop|env|run CMD.." >&2
    exit 2
    ;;
esac
