/** Every detection rule, by family. Ids are stable: tests, fixtures and the model refer to them. */
import { attachmentRules } from './attachment.ts';
import { domainRules } from './domain.ts';
import { htmlRules } from './html.ts';
import { languageRules } from './language.ts';
import type { Rule } from './rule.ts';
import { senderRules } from './sender.ts';
import { structureRules } from './structure.ts';
import { urlRules } from './url.ts';

export const allRules: readonly Rule[] = [
  ...senderRules,
  ...domainRules,
  ...urlRules,
  ...htmlRules,
  ...attachmentRules,
  ...languageRules,
  ...structureRules,
];

export const rulesById: ReadonlyMap<string, Rule> = new Map(allRules.map((r) => [r.id, r]));
