/** Every detection rule, by family. Ids are stable: tests, fixtures and the model refer to them. */
import { languageRules } from './language.ts';
import type { Rule } from './rule.ts';
import { senderRules } from './sender.ts';
import { urlRules } from './url.ts';

export const allRules: readonly Rule[] = [...senderRules, ...urlRules, ...languageRules];

export const rulesById: ReadonlyMap<string, Rule> = new Map(allRules.map((r) => [r.id, r]));
