#!/usr/bin/env bash
# selftest.sh - black-box tests of the mock LLM server.
#
#   tests/mockllm/selftest.sh build/asan/mockllm
#
# Starts the mock on port 0 (several instances with different options),
# drives every endpoint with curl and checks the JSON with jq (or node when
# jq is missing).  No sleeps: each start waits for the "listening" line.
# Prints "N passed, N failed"; exits 1 on any failure.
set -u

BIN=${1:?usage: selftest.sh path/to/mockllm}
[ -x "$BIN" ] || { echo "selftest: $BIN is not executable" >&2; exit 2; }
command -v curl >/dev/null || { echo "selftest: curl is required" >&2; exit 2; }
if command -v jq >/dev/null; then JSON=jq
elif command -v node >/dev/null; then JSON=node
else echo "selftest: jq or node is required" >&2; exit 2; fi

TMP=$(mktemp -d)
PASS=0 FAIL=0
declare -A PIDS=()
cleanup() {
    for n in "${!PIDS[@]}"; do kill -TERM "${PIDS[$n]}" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

ok()   { PASS=$((PASS + 1)); }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
# check DESC ACTUAL EXPECTED
check() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
# check_re DESC ACTUAL REGEX
check_re() { if [[ $2 =~ $3 ]]; then ok; else bad "$1: [$2] !~ /$3/"; fi; }

# jget PATH [FILE]: compact JSON of the value at a path like
# .choices[0].message (jq and JavaScript read such paths alike); "null"
# when absent.  jraw: the same, but a string prints raw.
jget() {
    local f=${2:-$TMP/body}
    if [ $JSON = jq ]; then jq -c "$1" "$f" 2>/dev/null || echo '<not json>'
    else node -e '
        const fs = require("fs"); let j, v;
        try { j = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); }
        catch (e) { console.log("<not json>"); process.exit(0); }
        try { v = eval("j" + process.argv[1]); } catch (e) { v = null; }
        console.log(v === undefined ? "null" : JSON.stringify(v));' "$1" "$f"
    fi
}
jraw() {
    local f=${2:-$TMP/body}
    if [ $JSON = jq ]; then jq -r "$1" "$f" 2>/dev/null || echo '<not json>'
    else node -e '
        const fs = require("fs"); let j, v;
        try { j = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); }
        catch (e) { console.log("<not json>"); process.exit(0); }
        try { v = eval("j" + process.argv[1]); } catch (e) { v = null; }
        if (v === undefined) v = null;
        console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1" "$f"
    fi
}
is_json() { jget . "${1:-$TMP/body}" | grep -qv '^<not json>$'; }

# start_mock NAME ARGS...: sets URL_<NAME>; waits for the listening line.
start_mock() {
    local name=$1 line pid; shift
    mkfifo "$TMP/$name.fifo"
    "$BIN" "$@" >"$TMP/$name.fifo" 2>"$TMP/$name.err" &
    pid=$!
    PIDS[$name]=$pid
    if ! read -t 30 -r line <"$TMP/$name.fifo"; then
        bad "start $name: no listening line"; cat "$TMP/$name.err" >&2
        exit 1
    fi
    check_re "start $name: listening line" "$line" \
        '^mockllm: listening on http://127\.0\.0\.1:[0-9]+$'
    printf -v "URL_$name" '%s' "${line#mockllm: listening on }"
}

# stop_mock NAME [SIGNAL]: the mock must exit 0 with a clean stderr
# (no sanitizer report, no leak).
stop_mock() {
    local name=$1 sig=${2:-TERM} pid=${PIDS[$1]} rc=0
    kill -"$sig" "$pid"
    wait "$pid" || rc=$?
    unset "PIDS[$name]"
    check "stop $name: exit status after SIG$sig" "$rc" 0
    if grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$TMP/$name.err"; then
        bad "stop $name: sanitizer report"; cat "$TMP/$name.err" >&2
    else ok; fi
}

# req METHOD URL [BODY [CURL ARGS...]]: sets STATUS and CURLRC; the body is
# in $TMP/body, headers in $TMP/hdrs.
req() {
    local method=$1 url=$2 body=${3-}
    shift 2; [ $# -gt 0 ] && shift
    CURLRC=0
    local data=()
    [ -n "$body" ] && data=(--data-binary "$body")
    : >"$TMP/body"; : >"$TMP/hdrs"
    STATUS=$(curl -s -X "$method" -o "$TMP/body" -D "$TMP/hdrs" \
        -w '%{http_code}' -H 'Content-Type: application/json' \
        "${data[@]}" "$@" "$url") || CURLRC=$?
}
hdr() { grep -i "^$1:" "$TMP/hdrs" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'; }

oai()   { req POST "$URL/v1/chat/completions" "$@"; }
azure() { req POST "$URL/openai/deployments/dep-1/chat/completions?api-version=2024-10-21" "$@"; }
anth()  { local b=$1; shift; req POST "$URL/v1/messages" "$b" -H 'anthropic-version: 2023-06-01' "$@"; }
gem()   { req POST "$URL/v1beta/models/gemini-2.0-flash:generateContent" "$@"; }

# Bodies with prompt text P (a JSON string literal's content).
oai_text() { echo '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'"$1"'"}]}'; }
TOOL_SCHEMA='{"type":"object","properties":{"explanation":{"type":"string"},"label":{"type":"string","enum":["a","b","c","d"]}},"required":["explanation","label"]}'
oai_tool() { echo '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'"$1"'"}],"tools":[{"type":"function","function":{"name":"judge","description":"d","parameters":'"$TOOL_SCHEMA"'}}],"tool_choice":{"type":"function","function":{"name":"judge"}}}'; }
anth_text() { echo '{"model":"claude-sonnet-4-5","max_tokens":64,"system":"sys.","messages":[{"role":"user","content":"'"$1"'"}]}'; }
gem_text() { echo '{"systemInstruction":{"parts":[{"text":"sys."}]},"contents":[{"role":"user","parts":[{"text":"'"$1"'"}]}]}'; }

# The answer's hash, read back from a text reply "mock reply <hex16>".
hash_of() {
    oai "$(oai_text "$1")"
    jraw '.choices[0].message.content' | sed 's/^mock reply //'
}

# ===========================================================================
start_mock main
URL=$URL_main

# ---- OpenAI: text -----------------------------------------------------------
oai "$(oai_text 'hello world')"
check "openai text: status" "$STATUS" 200
check "openai text: content-type" "$(hdr content-type)" application/json
check "openai text: object" "$(jraw .object)" chat.completion
check_re "openai text: id" "$(jraw .id)" '^chatcmpl-'
check_re "openai text: created" "$(jraw .created)" '^[0-9]{10}$'
check "openai text: model" "$(jraw .model)" gpt-4o-mini
check "openai text: index" "$(jraw '.choices[0].index')" 0
check "openai text: role" "$(jraw '.choices[0].message.role')" assistant
check_re "openai text: content" "$(jraw '.choices[0].message.content')" '^mock reply [0-9a-f]{16}$'
H=$(jraw '.choices[0].message.content' | sed 's/^mock reply //')
check "openai text: finish_reason" "$(jraw '.choices[0].finish_reason')" stop
check "openai text: no tool_calls" "$(jget '.choices[0].message.tool_calls')" null
# prompt "hello world" = 11 bytes -> 3 tokens; reply 27 bytes -> 7
check "openai text: prompt_tokens" "$(jraw .usage.prompt_tokens)" 3
check "openai text: completion_tokens" "$(jraw .usage.completion_tokens)" 7
check "openai text: total_tokens" "$(jraw .usage.total_tokens)" 10
oai '{"model":"m","messages":[{"role":"system","content":"hello "},{"role":"user","content":"world"}]}'
check "openai text: system + user = one prompt" "$(jraw '.choices[0].message.content')" "mock reply $H"
req POST "$URL/chat/completions" "$(oai_text 'hello world')"
check "openai /chat/completions: same answer" "$(jraw '.choices[0].message.content')" "mock reply $H"
oai "$(oai_text 'hello world!')"
check_re "openai text: other prompt, other answer" "$(jraw '.choices[0].message.content')" "^mock reply [0-9a-f]{16}$"
[ "$(jraw '.choices[0].message.content')" != "mock reply $H" ] && ok || bad "different prompts gave the same hash"
oai '{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hello "},{"type":"text","text":"world"}]}],"temperature":0,"max_completion_tokens":5}'
check "openai text: content parts join" "$(jraw .usage.prompt_tokens)" 3

# ---- OpenAI: tools ----------------------------------------------------------
H=$(hash_of 'judge me')
oai "$(oai_tool 'judge me')"
check "openai tool: status" "$STATUS" 200
check "openai tool: content null" "$(jget '.choices[0].message.content')" null
check "openai tool: finish_reason" "$(jraw '.choices[0].finish_reason')" tool_calls
check "openai tool: type" "$(jraw '.choices[0].message.tool_calls[0].type')" function
check_re "openai tool: id" "$(jraw '.choices[0].message.tool_calls[0].id')" '^call_'
check "openai tool: name" "$(jraw '.choices[0].message.tool_calls[0].function.name')" judge
jraw '.choices[0].message.tool_calls[0].function.arguments' >"$TMP/args"
LABELS=(a b c d)
WANT=${LABELS[$((16#${H: -1} % 4))]}
check "openai tool: label = enum[h % n]" "$(jraw .label "$TMP/args")" "$WANT"
check "openai tool: explanation" "$(jraw .explanation "$TMP/args")" "mock explanation ${H:0:8}"
check "openai tool: arguments text" "$(cat "$TMP/args")" "{\"explanation\":\"mock explanation ${H:0:8}\",\"label\":\"$WANT\"}"
check "openai tool: completion tokens" "$(jraw .usage.completion_tokens)" $(( ($(wc -c <"$TMP/args") - 1 + 3) / 4 ))
oai '{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"only_label","parameters":{"type":"object","properties":{"label":{"type":"string","enum":["yes","no"]}}}}}]}'
jraw '.choices[0].message.tool_calls[0].function.arguments' >"$TMP/args"
check "openai tool: no explanation unless in schema" "$(jget 'keys' "$TMP/args")" '["label"]'
oai '{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"t1","parameters":{}}},{"type":"function","function":{"name":"t2","parameters":{}}}],"tool_choice":{"type":"function","function":{"name":"t2"}}}'
check "openai tool: tool_choice picks t2" "$(jraw '.choices[0].message.tool_calls[0].function.name')" t2
oai '{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"t1","parameters":{}}}],"tool_choice":"none"}'
check_re "openai tool: tool_choice none -> text" "$(jraw '.choices[0].message.content')" '^mock reply '

# ---- OpenAI: response_format ------------------------------------------------
oai '{"model":"m","messages":[{"role":"user","content":"judge me"}],"response_format":{"type":"json_schema","json_schema":{"name":"verdict","strict":true,"schema":'"$TOOL_SCHEMA"'}}}'
check "openai json_schema: finish_reason" "$(jraw '.choices[0].finish_reason')" stop
jraw '.choices[0].message.content' >"$TMP/args"
check "openai json_schema: label" "$(jraw .label "$TMP/args")" "$WANT"
check "openai json_schema: explanation" "$(jraw .explanation "$TMP/args")" "mock explanation ${H:0:8}"
oai '{"model":"m","messages":[{"role":"user","content":"x [[mock label=pos]]"}],"response_format":{"type":"json_object"}}'
jraw '.choices[0].message.content' >"$TMP/args"
check "openai json_object: JSON content" "$(jraw .label "$TMP/args")" pos

# ---- OpenAI: validation -----------------------------------------------------
oai '{"messages":[{"role":"user","content":"x"}]}'
check "openai no model: 400" "$STATUS" 400
check "openai no model: type" "$(jraw .error.type)" invalid_request_error
check_re "openai no model: message" "$(jraw .error.message)" model
check "openai no model: shape" "$(jget '.error|keys')" '["code","message","param","type"]'
oai '{"model":"m"}'
check "openai no messages: 400" "$STATUS" 400
check "openai no messages: param" "$(jraw .error.param)" messages
oai '{"model":"m","messages":[{"role":"wizard","content":"x"}]}'
check "openai bad role: 400" "$STATUS" 400
check "openai bad role: param" "$(jraw .error.param)" 'messages[0].role'
oai 'this is not json'
check "openai not json: 400" "$STATUS" 400
check "openai not json: type" "$(jraw .error.type)" invalid_request_error
req GET "$URL/v1/chat/completions"
check "openai GET: 405" "$STATUS" 405
req POST "$URL/v2/nothing" '{}'
check "unknown path: 404" "$STATUS" 404
check_re "unknown path: message" "$(jraw .error.message)" 'Invalid URL'

# ---- Azure ------------------------------------------------------------------
azure '{"messages":[{"role":"user","content":"hello world"}]}' -H 'api-key: anything'
check "azure: status" "$STATUS" 200
check "azure: model = deployment" "$(jraw .model)" dep-1
check_re "azure: content" "$(jraw '.choices[0].message.content')" '^mock reply [0-9a-f]{16}$'
check "azure: content filter" "$(jraw '.choices[0].content_filter_results.hate.filtered')" false
req POST "$URL/openai/deployments/dep-1/chat/completions" '{"messages":[{"role":"user","content":"x"}]}'
check "azure no api-version: 400" "$STATUS" 400
check_re "azure no api-version: message" "$(jraw .error.message)" api-version
azure "$(oai_tool 'judge me')"
check "azure tool: same label as openai" "$(jraw '.choices[0].message.tool_calls[0].function.arguments' | jraw .label /dev/stdin)" "$WANT"

# ---- Anthropic --------------------------------------------------------------
anth "$(anth_text 'hello world')"
check "anthropic text: status" "$STATUS" 200
check "anthropic text: type" "$(jraw .type)" message
check "anthropic text: role" "$(jraw .role)" assistant
check_re "anthropic text: id" "$(jraw .id)" '^msg_'
check "anthropic text: model" "$(jraw .model)" claude-sonnet-4-5
check "anthropic text: block type" "$(jraw '.content[0].type')" text
check_re "anthropic text: text" "$(jraw '.content[0].text')" '^mock reply [0-9a-f]{16}$'
check "anthropic text: stop_reason" "$(jraw .stop_reason)" end_turn
check "anthropic text: stop_sequence" "$(jget .stop_sequence)" null
check "anthropic text: input_tokens" "$(jraw .usage.input_tokens)" 4
check "anthropic text: output_tokens" "$(jraw .usage.output_tokens)" 7
anth '{"model":"claude","max_tokens":64,"messages":[{"role":"user","content":[{"type":"text","text":"judge me"}]}],"tools":[{"name":"other","description":"o","input_schema":{"type":"object"}},{"name":"judge","description":"d","input_schema":'"$TOOL_SCHEMA"'}],"tool_choice":{"type":"tool","name":"judge"}}'
check "anthropic tool: stop_reason" "$(jraw .stop_reason)" tool_use
check "anthropic tool: block type" "$(jraw '.content[0].type')" tool_use
check_re "anthropic tool: id" "$(jraw '.content[0].id')" '^toolu_'
check "anthropic tool: name (tool_choice)" "$(jraw '.content[0].name')" judge
check "anthropic tool: label" "$(jraw '.content[0].input.label')" "$WANT"
check "anthropic tool: explanation" "$(jraw '.content[0].input.explanation')" "mock explanation ${H:0:8}"
anth '{"model":"claude","messages":[{"role":"user","content":"x"}]}'
check "anthropic no max_tokens: 400" "$STATUS" 400
check "anthropic no max_tokens: shape" "$(jraw .type)/$(jraw .error.type)" error/invalid_request_error
check_re "anthropic no max_tokens: message" "$(jraw .error.message)" max_tokens
anth '{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}'
check_re "anthropic no model: 400 naming model" "$STATUS $(jraw .error.message)" '^400 .*model'
anth '{"model":"c","max_tokens":5}'
check_re "anthropic no messages: 400 naming messages" "$STATUS $(jraw .error.message)" '^400 .*messages'
anth '{"model":"c","max_tokens":5,"messages":[{"role":"system","content":"s"},{"role":"user","content":"x"}]}'
check "anthropic system role: 400" "$STATUS" 400
check_re "anthropic system role: message" "$(jraw .error.message)" system
req POST "$URL/v1/messages" "$(anth_text x)"
check "anthropic no version header: 400" "$STATUS" 400
check_re "anthropic no version header: message" "$(jraw .error.message)" anthropic-version
anth 'nope{'
check "anthropic not json: 400" "$STATUS/$(jraw .error.type)" 400/invalid_request_error

# ---- Gemini -----------------------------------------------------------------
gem "$(gem_text 'hello world')"
check "gemini text: status" "$STATUS" 200
check "gemini text: role" "$(jraw '.candidates[0].content.role')" model
check_re "gemini text: text" "$(jraw '.candidates[0].content.parts[0].text')" '^mock reply [0-9a-f]{16}$'
check "gemini text: finishReason" "$(jraw '.candidates[0].finishReason')" STOP
check "gemini text: index" "$(jraw '.candidates[0].index')" 0
check "gemini text: promptTokenCount" "$(jraw .usageMetadata.promptTokenCount)" 4
check "gemini text: candidatesTokenCount" "$(jraw .usageMetadata.candidatesTokenCount)" 7
check "gemini text: totalTokenCount" "$(jraw .usageMetadata.totalTokenCount)" 11
check "gemini text: modelVersion" "$(jraw .modelVersion)" gemini-2.0-flash
gem '{"contents":[{"role":"user","parts":[{"text":"judge me"}]}],"tools":[{"functionDeclarations":[{"name":"judge","description":"d","parameters":'"$TOOL_SCHEMA"'}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["judge"]}}}'
check "gemini tool: name" "$(jraw '.candidates[0].content.parts[0].functionCall.name')" judge
check "gemini tool: label" "$(jraw '.candidates[0].content.parts[0].functionCall.args.label')" "$WANT"
check "gemini tool: explanation" "$(jraw '.candidates[0].content.parts[0].functionCall.args.explanation')" "mock explanation ${H:0:8}"
gem '{"contents":[{"role":"user","parts":[{"text":"judge me"}]}],"generationConfig":{"temperature":0,"maxOutputTokens":100,"responseMimeType":"application/json","responseSchema":'"$TOOL_SCHEMA"'}}'
jraw '.candidates[0].content.parts[0].text' >"$TMP/args"
check "gemini responseSchema: label" "$(jraw .label "$TMP/args")" "$WANT"
gem '{"contents":[]}'
check "gemini no contents: 400" "$STATUS" 400
check "gemini no contents: status" "$(jraw .error.status)" INVALID_ARGUMENT
check "gemini no contents: code" "$(jraw .error.code)" 400
check_re "gemini no contents: message" "$(jraw .error.message)" contents
gem '{"contents":[{"role":"bot","parts":[{"text":"x"}]}]}'
check "gemini bad role: 400" "$STATUS" 400
gem '{{'
check "gemini not json: 400" "$STATUS" 400

# ---- directives: answers ----------------------------------------------------
P='grade this [[mock label=PASS]]'
oai "$(oai_tool "$P")"
jraw '.choices[0].message.tool_calls[0].function.arguments' >"$TMP/args"
check "directive label: wins over enum" "$(jraw .label "$TMP/args")" PASS
oai "$(oai_text "$P")"
check "directive label: text mode" "$(jraw '.choices[0].message.content')" "$(printf 'EXPLANATION: %s\nLABEL: PASS' "$(jraw .explanation "$TMP/args")")"
oai "$(oai_text 'x [[mock text=hello_big_world]]')"
check "directive text: underscores" "$(jraw '.choices[0].message.content')" "hello big world"
oai "$(oai_text 'x [[mock text=\"quoted text_kept\"]]')"
check "directive text: quoted" "$(jraw '.choices[0].message.content')" "quoted text_kept"
anth "$(anth_text 'x [[mock text=hi label=L]]')"
check "directive text wins over label (anthropic)" "$(jraw '.content[0].text')" hi
oai "$(oai_tool 'x [[mock text={\"label\":5}]]')"
check "directive text: tool arguments verbatim" "$(jraw '.choices[0].message.tool_calls[0].function.arguments')" '{"label":5}'
oai "$(oai_text 'x [[mock bogus=1]]')"
check "directive unknown key: 400" "$STATUS" 400
check_re "directive unknown key: message" "$(jraw .error.message)" bogus
oai "$(oai_text 'x [[mock status=429')"
check "directive unterminated: 400" "$STATUS" 400
oai "$(oai_text 'x [[mockery status=500]]')"
check "not a directive: [[mockery" "$STATUS" 200

# ---- directives: failures ---------------------------------------------------
oai "$(oai_text 'x [[mock status=429]]')"
check "429: status" "$STATUS" 429
check "429: retry-after-ms" "$(hdr retry-after-ms)" 100
check "429: retry-after" "$(hdr retry-after)" 1
check "429: openai type" "$(jraw .error.type)/$(jraw .error.code)" requests/rate_limit_exceeded
anth "$(anth_text 'x [[mock status=429 retry_after_ms=2500]]')"
check "429 anthropic: error type" "$(jraw .type)/$(jraw .error.type)" error/rate_limit_error
check "429 anthropic: retry-after-ms" "$(hdr retry-after-ms)" 2500
check "429 anthropic: retry-after" "$(hdr retry-after)" 3
gem "$(gem_text 'x [[mock status=429]]')"
check "429 gemini: status" "$(jraw .error.code)/$(jraw .error.status)" 429/RESOURCE_EXHAUSTED
azure '{"messages":[{"role":"user","content":"x [[mock status=429]]"}]}'
check "429 azure: shape" "$(jget '.error|keys')/$(jraw .error.code)" '["code","message"]/429'
oai "$(oai_text 'x [[mock status=500]]')"
check "500: openai" "$STATUS/$(jraw .error.type)" 500/server_error
check "500: no retry-after" "$(hdr retry-after)" ""
anth "$(anth_text 'x [[mock status=503]]')"
check "503: anthropic" "$STATUS/$(jraw .error.type)" 503/overloaded_error
gem "$(gem_text 'x [[mock status=503 retry_after_ms=50]]')"
check "503: gemini" "$STATUS/$(jraw .error.status)/$(hdr retry-after-ms)" 503/UNAVAILABLE/50
oai "$(oai_text 'x [[mock status=400]]')"
check "400 injected" "$STATUS/$(jraw .error.type)" 400/invalid_request_error
anth "$(anth_text 'x [[mock status=401]]')"
check "401 injected (anthropic)" "$STATUS/$(jraw .error.type)" 401/authentication_error

oai "$(oai_text 'x [[mock body=malformed]]')"
check "body=malformed: 200" "$STATUS" 200
is_json && bad "body=malformed: parsed as JSON" || ok
oai "$(oai_text 'x [[mock body=truncated]]')"
check "body=truncated: 200" "$STATUS" 200
check "body=truncated: content-length = bytes sent" "$(hdr content-length)" "$(wc -c <"$TMP/body" | tr -d ' ')"
[ "$(wc -c <"$TMP/body")" -gt 10 ] && ok || bad "body=truncated: too short"
is_json && bad "body=truncated: parsed as JSON" || ok
check_re "body=truncated: a JSON prefix" "$(head -c 30 "$TMP/body")" '^\{"id":"chatcmpl-'
gem "$(gem_text 'x [[mock body=empty]]')"
check "body=empty: 200" "$STATUS" 200
check "body=empty: no bytes" "$(wc -c <"$TMP/body" | tr -d ' ')" 0
oai "$(oai_text 'x [[mock status=502 body=malformed]]')"
check "status + body=malformed" "$STATUS" 502
is_json && bad "status + body=malformed: JSON" || ok

# delay: a measured delay (the client timeout is tested on the "slow" mock)
T0=$(date +%s%N)
oai "$(oai_text 'slow [[mock delay_ms=250 times=1]]')"
T1=$(date +%s%N)
[ $(( (T1 - T0) / 1000000 )) -ge 250 ] && ok || bad "delay_ms=250 took $(( (T1 - T0) / 1000000 )) ms"
T0=$(date +%s%N)
oai "$(oai_text 'slow [[mock delay_ms=250 times=1]]')"
T1=$(date +%s%N)
[ $(( (T1 - T0) / 1000000 )) -lt 250 ] && ok || bad "delay after times=1 still applied"

# times=N: fail twice, then succeed; reset clears the counter
P="flaky $$ [[mock status=500 times=2]]"
oai "$(oai_text "$P")"; S1=$STATUS
oai "$(oai_text "$P")"; S2=$STATUS
oai "$(oai_text "$P")"; S3=$STATUS
oai "$(oai_text "$P")"; S4=$STATUS
check "times=2: 500 500 200 200" "$S1 $S2 $S3 $S4" "500 500 200 200"
check_re "times=2: then a normal answer" "$(jraw '.choices[0].message.content')" '^mock reply '
P2="flaky $$ [[mock label=OK status=429 times=1]]"
anth "$(anth_text "$P2")"; S1=$STATUS
anth "$(anth_text "$P2")"; S2=$STATUS
check "times=1 + label: 429 then labelled" "$S1 $S2 $(jraw '.content[0].text' | tail -1)" "429 200 LABEL: OK"

# ---- control endpoints ------------------------------------------------------
req POST "$URL/_mock/reset"
check "reset: 200" "$STATUS" 200
oai "$(oai_text "$P")"
check "reset clears attempt counters" "$STATUS" 500
req GET "$URL/_mock/stats"
check "stats after reset: requests" "$(jraw .requests)" 1
check "stats: by_status" "$(jget .by_status)" '{"500":1}'
check "stats: by_path" "$(jget .by_path)" '{"/v1/chat/completions":1}'
check "stats: in_flight" "$(jraw .in_flight)" 0
check "stats: max_in_flight" "$(jraw .max_in_flight)" 1
oai "$(oai_text 'a')"; anth "$(anth_text 'b')"; gem "$(gem_text 'c')"
azure "$(oai_text 'd')" -H 'X-Custom-Header: Value 1'
req GET "$URL/_mock/stats"
check "stats: requests" "$(jraw .requests)" 5
check "stats: by_status 200" "$(jraw '.by_status["200"]')" 4
check "stats: by_path gemini" "$(jraw '.by_path["/v1beta/models/gemini-2.0-flash:generateContent"]')" 1
req GET "$URL/_mock/requests?last=2"
check "requests: last=2" "$(jraw length)" 2
check "requests: order (oldest first)" "$(jraw '.[0].path')" /v1beta/models/gemini-2.0-flash:generateContent
check "requests: method" "$(jraw '.[1].method')" POST
check "requests: path" "$(jraw '.[1].path')" /openai/deployments/dep-1/chat/completions
check "requests: query" "$(jget '.[1].query')" '{"api-version":"2024-10-21"}'
check "requests: header lower-cased" "$(jraw '.[1].headers["x-custom-header"]')" "Value 1"
check "requests: body parsed" "$(jraw '.[1].body.messages[0].content')" d
check "requests: status" "$(jraw '.[1].status')" 200
req GET "$URL/_mock/requests"
check "requests: all" "$(jraw length)" 5
oai 'raw text body'
req GET "$URL/_mock/requests?last=1"
check "requests: raw body kept as string" "$(jraw '.[0].body')" "raw text body"
req GET "$URL/_mock/requests?last=x"
check "requests: bad last" "$STATUS" 400
req GET "$URL/_mock/nothing"
check "control: unknown 404" "$STATUS" 404
req GET "$URL/_mock/reset"
check "control: reset wants POST" "$STATUS" 405

# ring of 256, over one keep-alive connection (curl reuses it for every URL)
ARGS=()
for i in $(seq 300); do ARGS+=(-o /dev/null "$URL/v1/chat/completions"); done
curl -s -w '%{num_connects}\n' -d "$(oai_text ring)" "${ARGS[@]}" >"$TMP/conns"
check "keep-alive: 300 requests, 1 connect" "$(sort -u "$TMP/conns" | tr '\n' ' ')" "0 1 "
req GET "$URL/_mock/requests?last=1000"
check "requests: ring holds 256" "$(jraw length)" 256
req POST "$URL/_mock/reset"
req GET "$URL/_mock/requests"
check "reset clears the ring" "$(jraw length)" 0
stop_mock main

# ---- --api-key ---------------------------------------------------------------
start_mock auth --api-key sekret
URL=$URL_auth
oai "$(oai_text x)"
check "api-key openai none: 401" "$STATUS/$(jraw .error.type)" 401/invalid_request_error
oai "$(oai_text x)" -H 'Authorization: Bearer wrong'
check "api-key openai wrong: 401" "$STATUS/$(jraw .error.code)" 401/invalid_api_key
oai "$(oai_text x)" -H 'Authorization: Bearer sekret'
check "api-key openai right: 200" "$STATUS" 200
azure "$(oai_text x)" -H 'api-key: wrong'
check "api-key azure wrong: 401" "$STATUS/$(jraw .error.code)" 401/401
azure "$(oai_text x)" -H 'api-key: sekret'
check "api-key azure right: 200" "$STATUS" 200
anth "$(anth_text x)"
check "api-key anthropic none: 401" "$STATUS/$(jraw .error.type)" 401/authentication_error
anth "$(anth_text x)" -H 'x-api-key: sekret'
check "api-key anthropic right: 200" "$STATUS" 200
gem "$(gem_text x)" -H 'x-goog-api-key: wrong'
check "api-key gemini wrong: 401" "$STATUS/$(jraw .error.status)" 401/UNAUTHENTICATED
gem "$(gem_text x)" -H 'x-goog-api-key: sekret'
check "api-key gemini right: 200" "$STATUS" 200
req POST "$URL/v1beta/models/g:generateContent?key=sekret" "$(gem_text x)"
check "api-key gemini ?key=: 200" "$STATUS" 200
req GET "$URL/_mock/stats"
check "api-key: control endpoints need none" "$STATUS" 200
stop_mock auth INT

# ---- global failure rates ------------------------------------------------------
start_mock rates --rate-429 0.3 --rate-500 0.2 --seed 7 --retry-after-ms 1234
URL=$URL_rates
ARGS=()
for i in $(seq 200); do ARGS+=(-o /dev/null "$URL/v1/chat/completions"); done
seq_run() { curl -s -w '%{http_code}\n' -d "$(oai_text rate)" "${ARGS[@]}" | tr '\n' ' '; }
RUN1=$(seq_run)
N429=$(tr ' ' '\n' <<<"$RUN1" | grep -c 429)
N500=$(tr ' ' '\n' <<<"$RUN1" | grep -c 500)
[ "$N429" -ge 35 ] && [ "$N429" -le 85 ] && ok || bad "rate-429 0.3: $N429 of 200"
[ "$N500" -ge 20 ] && [ "$N500" -le 65 ] && ok || bad "rate-500 0.2: $N500 of 200"
req GET "$URL/_mock/stats"
check "rates: stats count them" "$(jraw '.by_status["429"]')/$(jraw '.by_status["500"]')" "$N429/$N500"
req POST "$URL/_mock/reset"
RUN2=$(seq_run)
check "rates: same seed, same sequence after reset" "$RUN2" "$RUN1"
req POST "$URL/_mock/reset"
for i in $(seq 20); do
    oai "$(oai_text "r$i")"
    [ "$STATUS" = 429 ] && break
done
check "rates: 429 retry-after-ms" "$(hdr retry-after-ms)/$(hdr retry-after)" 1234/2
oai "$(oai_text 'x [[mock label=z times=0 status=500]]')"
[ "$STATUS" != 500 ] && ok || bad "times=0 never fails"
stop_mock rates
start_mock rates2 --rate-500 1
URL=$URL_rates2
anth "$(anth_text x)"
check "rate-500 1: anthropic 500" "$STATUS/$(jraw .error.type)" 500/api_error
req GET "$URL/_mock/stats"
check "rate-500 1: control endpoints exempt" "$STATUS" 200
stop_mock rates2

# ---- --rules ---------------------------------------------------------------------
cat >"$TMP/rules.json" <<'EOF'
[
  {"match": "RULE-LABEL", "label": "ruled"},
  {"match": "RULE-FAIL", "status": 503, "times": 1, "retry_after_ms": 20},
  {"match": "RULE-TEXT", "text": "ruled text_kept"},
  {"match": "RULE", "label": "never: an earlier rule matched first"}
]
EOF
start_mock rules --rules "$TMP/rules.json"
URL=$URL_rules
oai "$(oai_text 'RULE-LABEL')"
check_re "rules: label" "$(jraw '.choices[0].message.content')" 'LABEL: ruled$'
oai "$(oai_tool 'RULE-LABEL')"
check "rules: label in tool call" "$(jraw '.choices[0].message.tool_calls[0].function.arguments' | jraw .label /dev/stdin)" ruled
oai "$(oai_text 'RULE-LABEL [[mock label=directive]]')"
check_re "rules: directive wins" "$(jraw '.choices[0].message.content')" 'LABEL: directive$'
gem "$(gem_text 'RULE-FAIL')"; S1=$STATUS/$(hdr retry-after-ms)
gem "$(gem_text 'RULE-FAIL')"; S2=$STATUS
check "rules: status times=1" "$S1 $S2" "503/20 200"
oai "$(oai_text 'RULE-TEXT')"
check "rules: text (literal)" "$(jraw '.choices[0].message.content')" "ruled text_kept"
oai "$(oai_text 'no rule here')"
check_re "rules: no match" "$(jraw '.choices[0].message.content')" '^mock reply '
stop_mock rules
echo '[{"match":"x","colour":"red"}]' >"$TMP/bad.json"
"$BIN" --rules "$TMP/bad.json" >/dev/null 2>&1
check "rules: unknown key refused" "$?" 2
"$BIN" --port 99999 >/dev/null 2>&1
check "bad --port refused" "$?" 2

# ---- concurrency and latency ------------------------------------------------------
start_mock slow --latency-ms 400
URL=$URL_slow
T0=$(date +%s%N)
for i in $(seq 60); do
    curl -s -o /dev/null -d "$(oai_text "c$i")" "$URL/v1/chat/completions" &
done
wait $(jobs -p | grep -v "^${PIDS[slow]}\$")
T1=$(date +%s%N)
MS=$(( (T1 - T0) / 1000000 ))
[ "$MS" -ge 400 ] && [ "$MS" -lt 4000 ] && ok || bad "60 concurrent requests at 400 ms took $MS ms"
req GET "$URL/_mock/stats"
check "concurrency: 60 answered" "$(jraw '.by_status["200"]')" 60
[ "$(jraw .max_in_flight)" -ge 30 ] && ok || bad "max_in_flight $(jraw .max_in_flight) < 30"
check "concurrency: in_flight back to 0" "$(jraw .in_flight)" 0
oai "$(oai_text 'x [[mock delay_ms=3000]]')" --max-time 0.5
check "delay_ms: client times out (curl 28)" "$CURLRC" 28
# a stop during a long delay is quick
req GET "$URL/_mock/stats"
N0=$(jraw .requests)
curl -s -o /dev/null -d "$(oai_text 'x [[mock delay_ms=60000]]')" "$URL/v1/chat/completions" &
CPID=$!
for i in $(seq 200); do      # until the request is in (no sleeps: poll)
    req GET "$URL/_mock/stats"
    [ "$(jraw .requests)" -gt "$N0" ] && break
done
T0=$(date +%s%N)
stop_mock slow
T1=$(date +%s%N)
wait $CPID 2>/dev/null
[ $(( (T1 - T0) / 1000000 )) -lt 5000 ] && ok || bad "stop during a delay took $(( (T1 - T0) / 1000000 )) ms"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
