#!/usr/bin/env bash
# Run one scheduled job with the site's environment: job.sh send_reminders | send_deliveries |
# rebuild_rollups | close_month [YYYY-MM] (default: last month). For cron (crontab.example); systemd timers call
# manage.py directly. HENGKOU_ENV_FILE (default /etc/hengkou/env) holds the variables of
# docs/deploy.md, one NAME=value a line.
set -euo pipefail
cd "$(dirname "$0")/../.."
env_file=${HENGKOU_ENV_FILE:-/etc/hengkou/env}
if [[ -r $env_file ]]; then set -a; . "$env_file"; set +a; fi
job=${1:?name the job: send_reminders, send_deliveries, rebuild_rollups or close_month}
shift
if [[ $job == close_month && $# == 0 ]]; then
    set -- "$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-15) -1 month" +%Y-%m)"
fi
exec .venv/bin/python manage.py "$job" "$@"
