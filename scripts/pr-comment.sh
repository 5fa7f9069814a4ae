#!/usr/bin/env bash
# `bash scripts/pr-comment.sh <pull-request number> <report.md>`: posts a
# stack's `npm run preview-report` on the pull request, one comment per stack,
# updated in place. The report's first line is its hidden marker
# (<!-- pulumi-lvs-preview:STACK -->, scripts/review/core.ts previewMarker);
# the pull request's comment that starts with that marker is PATCHed with the
# report, else a new comment is POSTed. Uses `gh api` (GH_TOKEN; the
# repository from GH_REPO or the checkout's remote). A report longer than a
# comment may be (65,536 characters) is cut at a table row, with a note.
set -euo pipefail

if [ $# -ne 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ ! -f "$2" ]; then
  echo "usage: bash scripts/pr-comment.sh <pull-request number> <report.md>" >&2
  exit 2
fi
pr=$1
report=$2
marker=$(head -n 1 "$report")
if ! [[ $marker =~ ^\<!--\ pulumi-lvs-preview:[A-Za-z0-9_./-]+\ --\>$ ]]; then
  echo "pr-comment: $report does not start with a preview marker (<!-- pulumi-lvs-preview:STACK -->); got: $marker" >&2
  exit 2
fi

# GitHub refuses a comment body over 65,536 characters; bytes >= characters.
limit=60000
body=$report
tmp=
if [ "$(wc -c <"$report")" -gt "$limit" ]; then
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  total=$(wc -l <"$report")
  LC_ALL=C awk -v limit="$limit" '{ n += length($0) + 1; if (n > limit) exit; print }' "$report" >"$tmp"
  kept=$(wc -l <"$tmp")
  printf '\n… %s more lines cut: the whole report is in the job'"'"'s log.\n' $((total - kept)) >>"$tmp"
  body=$tmp
fi

# The marker holds no quote or backslash (checked above), so it can sit in a jq string.
id=$(gh api --paginate "repos/{owner}/{repo}/issues/$pr/comments" \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$id" ]; then
  gh api --method PATCH "repos/{owner}/{repo}/issues/comments/$id" -F "body=@$body" >/dev/null
  echo "pr-comment: updated comment $id on #$pr (${marker})"
else
  gh api --method POST "repos/{owner}/{repo}/issues/$pr/comments" -F "body=@$body" >/dev/null
  echo "pr-comment: posted a comment on #$pr (${marker})"
fi
