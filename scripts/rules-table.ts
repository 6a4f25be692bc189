/**
 * Prints the rule table of lambdas/core/detection/README.md from the rules and the committed
 * model, so the documented weights follow each retraining:
 *   npx tsx scripts/rules-table.ts
 */
import { defaultModel } from '#core/detection/engine.ts';
import { allRules } from '#core/detection/rules/index.ts';

const weightOf = (id: string, prior: number, expertOnly: boolean | undefined): string => {
  if (expertOnly) return `${prior} (expert)`;
  const learned = defaultModel.weights[id];
  return learned === undefined ? `${prior} (never fired)` : `${prior} → ${learned}`;
};

const rows = allRules.map(
  (r) =>
    `| \`${r.id}\` | ${r.severity} | ${weightOf(r.id, r.weight, r.expertOnly)} | ${r.description.replace(/\|/g, '\\|')} |`,
);
console.log(
  ['| rule | severity | weight: expert → learned | description |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  ),
);
