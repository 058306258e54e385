/**
 * A rule-learning scenario for measuring injection precision and recall: six hidden rules of one
 * user, each learned as a skill the way the evolver writes them (a rule-like description, a short
 * body), next to the 13 starter skills; tasks that need a rule (worded unlike its skill) and
 * neutral tasks in between. `relevant` lists the skills whose injection helps the task; any other
 * injection counts against precision.
 */
export interface RuleSkill {
  name: string;
  description: string;
  body: string;
}

export const RULE_SKILLS: RuleSkill[] = [
  {
    name: 'weather-in-celsius',
    description: 'How to report weather, forecasts and temperatures to this user',
    body: 'Always give temperatures in degrees Celsius (°C), never Fahrenheit.',
  },
  {
    name: 'dates-as-iso-8601',
    description: 'How to write dates and deadlines for this user',
    body: 'Write every date as YYYY-MM-DD (ISO 8601), e.g. 2026-03-07; never 3/7/26.',
  },
  {
    name: 'conventional-commit-messages',
    description: 'How to write git commit messages in this repository',
    body: 'Use Conventional Commits: `type(scope): summary` with type feat, fix, docs, refactor or test.',
  },
  {
    name: 'python-type-hints',
    description: 'How to write Python functions and scripts for this user',
    body: 'Every Python function gets type hints on parameters and return value and a one-line docstring.',
  },
  {
    name: 'meeting-times-in-berlin',
    description: 'How to propose or schedule meeting times and calls for this user',
    body: 'Give meeting times in Europe/Berlin time first, then UTC in parentheses.',
  },
  {
    name: 'sql-style',
    description: 'How to write SQL queries for this team',
    body: 'Uppercase SQL keywords and list columns explicitly; never SELECT *.',
  },
];

export interface ScenarioTask {
  text: string;
  relevant: string[];
}

export const TASKS: ScenarioTask[] = [
  { text: 'Is it going to be hot in Madrid this weekend?', relevant: ['weather-in-celsius'] },
  { text: 'Translate "good morning, see you soon" into Italian.', relevant: [] },
  { text: 'What is the forecast for Lisbon tomorrow morning?', relevant: ['weather-in-celsius'] },
  {
    text: 'When is the quarterly report due? Add the deadline to my todo list.',
    relevant: ['dates-as-iso-8601'],
  },
  { text: 'Suggest three names for a grey kitten.', relevant: [] },
  {
    text: 'Commit the changes I made to the parser with a good message.',
    relevant: ['conventional-commit-messages', 'git-hygiene'],
  },
  { text: 'Write a Python script that counts words in a text file.', relevant: ['python-type-hints'] },
  { text: 'Explain how a TCP three-way handshake works.', relevant: ['concise-answers'] },
  { text: 'Find a slot for a call with Priya next week.', relevant: ['meeting-times-in-berlin'] },
  { text: 'Query the orders table for last month’s refunds.', relevant: ['sql-style'] },
  { text: 'How cold does it get in Oslo in January?', relevant: ['weather-in-celsius'] },
  { text: 'Recommend a good science fiction novel for a long flight.', relevant: [] },
  { text: 'Put the release date of version 2.0 into the changelog.', relevant: ['dates-as-iso-8601'] },
  { text: 'Write a function in Python that parses a CSV of invoices.', relevant: ['python-type-hints'] },
  { text: 'What should I pack for a beach holiday?', relevant: [] },
  { text: 'Schedule a meeting with the design team on Thursday.', relevant: ['meeting-times-in-berlin'] },
  { text: 'Write a query that lists customers with more than five orders.', relevant: ['sql-style'] },
  {
    text: 'My build fails with "module not found"; what is wrong?',
    relevant: ['debug-systematically', 'recover-from-tool-errors'],
  },
  {
    text: 'Commit and push my fix for the login bug.',
    relevant: ['conventional-commit-messages', 'git-hygiene'],
  },
  {
    text: 'Summarise this paragraph in one sentence: the committee met twice and agreed on nothing.',
    relevant: ['concise-answers'],
  },
  { text: 'When did the Berlin Wall fall? Give me the exact date.', relevant: ['dates-as-iso-8601'] },
  { text: 'Will it rain in Dublin on Saturday?', relevant: ['weather-in-celsius'] },
  { text: 'Give me a recipe for a quick tomato soup.', relevant: [] },
  { text: 'Set up a call with the investors to go over the numbers.', relevant: ['meeting-times-in-berlin'] },
  {
    text: 'Write a Python class for a bank account with deposit and withdraw.',
    relevant: ['python-type-hints'],
  },
  { text: 'Select all users who signed up this year from the database.', relevant: ['sql-style'] },
  { text: 'What is the capital of Australia?', relevant: [] },
  {
    text: 'Write the commit message for the typo fixes in the README.',
    relevant: ['conventional-commit-messages', 'git-hygiene'],
  },
  { text: 'Delete the old backups folder on the server.', relevant: ['verify-before-irreversible-actions'] },
  { text: 'How many days until my passport expires on the 3rd of May?', relevant: ['dates-as-iso-8601'] },
];
