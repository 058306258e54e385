/**
 * A labelled relevance set: domain skills (added to the 13 starter skills) and realistic user
 * requests, each labelled with the skill(s) a good retriever should put in its top 3. Queries are
 * phrased the way people write, not copied from the skills' wording.
 */
export const DOMAIN_SKILLS: { name: string; description: string; body: string; tags?: string }[] = [
  {
    name: 'docker-compose-services',
    description:
      'Define, start and troubleshoot multi-container apps with Docker Compose: services, volumes, networks, healthchecks.',
    body: 'Use `docker compose up -d`, inspect with `docker compose logs -f <service>`. Containers reach each other by service name. Persist data in named volumes. Add healthchecks and depends_on conditions.',
    tags: 'docker, containers, compose',
  },
  {
    name: 'dockerfile-best-practices',
    description:
      'Write small, cacheable, secure Dockerfiles and container images: multi-stage builds, pinned base images, non-root user.',
    body: 'Order layers from least to most frequently changed; copy lockfiles before sources. Use multi-stage builds to drop build tools. Run as a non-root USER. Add a .dockerignore.',
    tags: 'docker, image, build',
  },
  {
    name: 'sql-query-performance',
    description:
      'Diagnose and speed up slow SQL queries with EXPLAIN, indexes and query rewrites in PostgreSQL, MySQL or SQLite.',
    body: 'Run EXPLAIN ANALYZE. Look for sequential scans on large tables, missing indexes on join and filter columns, N+1 query patterns. Add composite indexes matching WHERE and ORDER BY.',
    tags: 'sql, database, postgres, index, performance',
  },
  {
    name: 'database-migrations',
    description:
      'Change a production database schema safely with versioned, reversible migrations and zero downtime.',
    body: 'Write forward and backward migrations. Add columns nullable first, backfill in batches, then add constraints. Never rename a column in one step in production; expand and contract.',
    tags: 'database, schema, migration, alter table',
  },
  {
    name: 'regex-crafting',
    description:
      'Build and test regular expressions step by step, with anchors, escaping and test cases for matches and non-matches.',
    body: 'Start from examples that must match and must not. Anchor with ^ and $. Escape special characters. Prefer non-greedy quantifiers for delimited text. Test in the target engine (PCRE, JS, Python re).',
    tags: 'regex, pattern, text matching',
  },
  {
    name: 'python-virtualenvs',
    description:
      'Set up and manage Python environments and dependencies with venv, pip, uv or poetry; fix import and version conflicts.',
    body: 'Create a venv per project: `python -m venv .venv`. Pin dependencies in requirements.txt or pyproject.toml. ModuleNotFoundError usually means the wrong interpreter is active.',
    tags: 'python, pip, venv, dependencies, packages',
  },
  {
    name: 'node-package-management',
    description:
      'Manage JavaScript/TypeScript dependencies with npm, pnpm or yarn: lockfiles, version ranges, peer dependency and install errors.',
    body: 'Commit the lockfile; use `npm ci` in CI. Resolve ERESOLVE peer conflicts by aligning versions rather than --force. Audit with `npm audit`; update with `npm outdated`.',
    tags: 'npm, node, javascript, packages, dependencies',
  },
  {
    name: 'http-api-design',
    description:
      'Design REST/HTTP APIs: resource URLs, methods, status codes, pagination, versioning and error bodies.',
    body: 'Nouns for resources, HTTP verbs for actions. 201 with Location on create, 404 vs 403, 422 for validation. Cursor pagination for large lists. Consistent JSON error shape.',
    tags: 'api, rest, http, endpoints',
  },
  {
    name: 'write-professional-email',
    description:
      'Draft clear professional emails: subject line, purpose first, specific ask, polite tone, short paragraphs.',
    body: 'Subject states the topic and action. First sentence says why you write. One ask per email with a deadline. Close with next steps. Proofread names and attachments.',
    tags: 'email, writing, communication, message',
  },
  {
    name: 'meeting-notes-and-actions',
    description:
      'Turn meetings or call transcripts into notes with decisions, action items with owners and due dates, and open questions.',
    body: 'Sections: Decisions, Action items (owner, due date), Open questions, Context. Keep each item one line. Send within a day.',
    tags: 'meeting, notes, minutes, action items',
  },
  {
    name: 'travel-itinerary-planning',
    description:
      'Plan trips: flights, hotels, day-by-day itineraries, budgets, visas and bookings with buffers for delays.',
    body: 'Collect dates, budget and preferences first. Check visa and passport validity. Leave buffer time between connections. Build a day-by-day plan with addresses and opening hours.',
    tags: 'travel, trip, itinerary, flights, hotel, vacation',
  },
  {
    name: 'calendar-scheduling',
    description:
      'Schedule meetings across people and time zones: find free slots, propose options, send invites with agenda.',
    body: 'Always state times with time zone. Offer 2–3 options. Avoid early/late hours for remote participants. Include agenda and video link in the invite.',
    tags: 'calendar, schedule, meeting, time zone',
  },
  {
    name: 'spreadsheet-formulas',
    description:
      'Build spreadsheet formulas and analyses in Excel or Google Sheets: lookups, pivots, conditional sums, cleaning data.',
    body: 'Prefer XLOOKUP/INDEX-MATCH over VLOOKUP. Use SUMIFS/COUNTIFS for conditional totals. Pivot tables for summaries. Keep raw data on its own sheet.',
    tags: 'excel, sheets, spreadsheet, formula, vlookup',
  },
  {
    name: 'data-analysis-pandas',
    description:
      'Explore, clean and summarise tabular data in Python with pandas: load CSVs, handle missing values, group and aggregate, plot.',
    body: 'Inspect with df.info() and df.describe(). Handle NaN explicitly. Use groupby().agg(). Check dtypes after reading CSVs; parse dates.',
    tags: 'pandas, python, data, csv, dataframe',
  },
  {
    name: 'shell-scripting-safety',
    description: 'Write robust bash/shell scripts: strict mode, quoting, error handling, portable commands.',
    body: 'Start with `set -euo pipefail`. Quote every variable expansion. Use `mktemp` for temp files and trap to clean up. Check commands exist with `command -v`.',
    tags: 'bash, shell, script, linux',
  },
  {
    name: 'linux-server-troubleshooting',
    description:
      'Diagnose a Linux server: disk full, high CPU or memory, failing systemd services, ports and logs.',
    body: 'Check `df -h`, `du -sh`, `top`/`htop`, `free -m`. For services: `systemctl status`, `journalctl -u <svc> -e`. Ports: `ss -ltnp`.',
    tags: 'linux, server, systemd, disk, cpu, logs',
  },
  {
    name: 'kubernetes-debugging',
    description:
      'Debug Kubernetes workloads: pods in CrashLoopBackOff, pending pods, failing probes, services and ingress.',
    body: 'kubectl describe pod for events; kubectl logs --previous for crashes. Pending usually means resources or node selectors. Check readiness probes and service selectors match labels.',
    tags: 'kubernetes, k8s, kubectl, pods, cluster',
  },
  {
    name: 'ci-pipeline-fixes',
    description:
      'Fix failing CI pipelines (GitHub Actions, GitLab CI): reproduce locally, caching, flaky tests, secrets in workflows.',
    body: 'Read the first failing step. Reproduce with the same versions locally. Cache dependencies by lockfile hash. Quarantine flaky tests with a ticket. Never echo secrets in logs.',
    tags: 'ci, github actions, pipeline, workflow, build',
  },
  {
    name: 'code-review-feedback',
    description:
      'Review pull requests and code changes: correctness, tests, readability, security; give specific, kind, actionable comments.',
    body: 'Understand the goal first. Check correctness and edge cases, then tests, then design, then style. Comment with the problem, why it matters, and a suggestion. Approve when good enough.',
    tags: 'code review, pull request, feedback',
  },
  {
    name: 'web-scraping-etiquette',
    description:
      'Scrape or crawl websites responsibly: robots.txt, rate limits, APIs first, parsing HTML robustly.',
    body: 'Prefer an official API. Respect robots.txt and terms. Throttle requests and set a user agent. Parse with a real HTML parser, not regex. Cache pages.',
    tags: 'scraping, crawl, html, website',
  },
  {
    name: 'frontend-css-layout',
    description: 'Fix CSS layout problems: flexbox, grid, centering, overflow, responsive breakpoints.',
    body: 'Centre with flex (justify-content/align-items) or grid place-items. Overflow issues: check min-width: 0 on flex children. Use media queries or container queries for responsive layouts.',
    tags: 'css, layout, flexbox, grid, frontend, html',
  },
  {
    name: 'performance-profiling',
    description:
      'Find why a program is slow or uses too much memory: measure first, profile, optimise the hot path, re-measure.',
    body: 'Reproduce with a benchmark. Use a profiler (perf, py-spy, Chrome DevTools, --cpu-prof) to find hot spots. Fix algorithmic issues before micro-optimising. Compare before/after numbers.',
    tags: 'performance, profiling, slow, memory, optimise',
  },
];

export const QUERIES: { q: string; expect: string[]; context?: string }[] = [
  {
    q: 'my postgres query takes 30 seconds on the orders table, how do I make it faster?',
    expect: ['sql-query-performance'],
  },
  { q: 'containers in my compose file cannot reach the db service', expect: ['docker-compose-services'] },
  { q: 'reduce the size of our docker image, it is 2GB', expect: ['dockerfile-best-practices'] },
  {
    q: 'I need to add a NOT NULL column to a big production table without downtime',
    expect: ['database-migrations'],
  },
  { q: 'write a regex that matches email addresses but not trailing dots', expect: ['regex-crafting'] },
  {
    q: 'ModuleNotFoundError: No module named requests even though I pip installed it',
    expect: ['python-virtualenvs'],
  },
  {
    q: 'npm install fails with ERESOLVE unable to resolve dependency tree',
    expect: ['node-package-management'],
  },
  {
    q: 'what status code should my endpoint return when validation fails, and how to paginate lists?',
    expect: ['http-api-design'],
  },
  {
    q: 'draft an email to my landlord asking to fix the heating by Friday',
    expect: ['write-professional-email'],
  },
  {
    q: 'here is the transcript of our standup, turn it into notes with action items',
    expect: ['meeting-notes-and-actions'],
  },
  {
    q: 'plan a 5 day trip to Japan in April with a budget of 3000 dollars',
    expect: ['travel-itinerary-planning'],
  },
  {
    q: 'find a time next week for a call with Anna in Berlin and Raj in Bangalore',
    expect: ['calendar-scheduling'],
  },
  { q: 'in Google Sheets, sum the sales column only where region is West', expect: ['spreadsheet-formulas'] },
  {
    q: 'load this csv into a dataframe and compute the average per category, lots of missing values',
    expect: ['data-analysis-pandas'],
  },
  {
    q: 'my bash script keeps going after a command fails and breaks on filenames with spaces',
    expect: ['shell-scripting-safety'],
  },
  {
    q: 'the server says no space left on device and nginx will not start',
    expect: ['linux-server-troubleshooting'],
  },
  { q: 'pod keeps restarting with CrashLoopBackOff after the deploy', expect: ['kubernetes-debugging'] },
  {
    q: 'the github actions workflow fails on the test step but passes on my laptop',
    expect: ['ci-pipeline-fixes'],
  },
  { q: 'please review this pull request and leave comments', expect: ['code-review-feedback'] },
  { q: 'collect product prices from a competitor website every day', expect: ['web-scraping-etiquette'] },
  { q: 'how do I center a div vertically and horizontally', expect: ['frontend-css-layout'] },
  {
    q: 'the report generation got 10x slower after the last release, find out why',
    expect: ['performance-profiling'],
  },
  {
    q: 'delete all the old log files and drop the staging database',
    expect: ['verify-before-irreversible-actions'],
  },
  { q: 'force push my branch to origin main', expect: ['git-hygiene', 'verify-before-irreversible-actions'] },
  { q: 'commit these changes with a good message', expect: ['git-hygiene'] },
  {
    q: 'migrate the whole project from javascript to typescript, there are many files and steps',
    expect: ['plan-before-multi-step-work'],
  },
  {
    q: 'TypeError: cannot read properties of undefined, stack trace below, the test is failing',
    expect: ['debug-systematically'],
  },
  {
    q: 'I put my OpenAI API key in config.js, is it ok to commit it?',
    expect: ['protect-secrets-and-privacy'],
  },
  {
    q: 'the curl command keeps timing out and returning 503, what now?',
    expect: ['recover-from-tool-errors'],
  },
  {
    q: 'make the change in the codebase but follow the existing conventions of the files',
    expect: ['read-before-editing'],
  },
  {
    q: 'can you give me a status update on where we are with the migration work?',
    expect: ['report-progress-in-structure'],
  },
  {
    q: 'which version of the library introduced this function? cite your source',
    expect: ['state-uncertainty-and-sources'],
  },
  { q: 'fix the typo in the README but do not touch anything else', expect: ['stay-in-scope'] },
  { q: 'after you edit the parser, run the tests and the linter to verify', expect: ['test-after-changes'] },
  {
    q: 'update the thing',
    expect: ['ask-when-ambiguous'],
    context: 'which thing? there are several configs, unclear request',
  },
  { q: 'summarize this long build log and give me the short answer', expect: ['concise-answers'] },
  { q: 'set up a venv and install the dependencies from pyproject', expect: ['python-virtualenvs'] },
  {
    q: 'schedule a meeting with the team across time zones and send the invite',
    expect: ['calendar-scheduling'],
  },
  { q: 'add an index to speed up the slow join between users and orders', expect: ['sql-query-performance'] },
  { q: 'the kubectl rollout is stuck with pending pods', expect: ['kubernetes-debugging'] },
];
