// What bench:soak and bench:turn-cost share: the campaign their annotators work in and the
// annotators themselves, created through the deployment's HTTP API as an admin would, and their
// command-line numbers.
import { randomUUID } from "node:crypto";
import { temperaturePairInputs } from "@/e2e/variant-inputs";
import type { Deployment } from "@/tests/scale-out/cluster";
import { HttpUser } from "@/tests/scale-out/http-user";

/** A helpfulness campaign open to all with two variants of the shared engine (temperatures 0.7
 * and 1.0), the per-hour and per-day limits out of the way, and its first batch open. */
export async function createSoakCampaign(admin: HttpUser, name: string, maxTokens: number) {
  const campaign = await admin.call<{ id: string }>("mutate", "campaigns.create", {
    name,
    kind: "helpfulness",
    guidelines: "# Guidelines\n\nPick the better response.",
    safetyPreprompt: null,
    membership: "all",
    // Many dialogues per person over the run.
    turnsPerHour: 10_000,
    turnsPerDay: 100_000,
  });
  for (const input of temperaturePairInputs({ campaignId: campaign.id, namePrefix: "shared", maxTokens })) {
    await admin.call("mutate", "variants.create", input);
  }
  await admin.call("mutate", "batches.openNext", { campaignId: campaign.id });
  return campaign;
}

/** `count` annotators invited by `admin`, signed in through the balancer, the campaign's
 * guidelines confirmed. */
export async function inviteAnnotators(
  deployment: Deployment,
  admin: HttpUser,
  campaignId: string,
  count: number,
  label: string,
): Promise<HttpUser[]> {
  const users: HttpUser[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${label}-${i}-${randomUUID().slice(0, 6)}@soak.test`;
    const password = `${label} password ${i}`;
    const invited = await admin.call<{ token: string }>("mutate", "users.invite", {
      email,
      name: `${label} ${i}`,
      role: "annotator",
    });
    // Accepted straight at an instance, each from an address of its own: invitations are a
    // public procedure, limited per client address, and through the balancer all share one.
    const instance = deployment.instances[i % deployment.instances.length];
    const address = `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    await new HttpUser(instance.url, { "X-Forwarded-For": address }).call("mutate", "invitations.accept", {
      token: invited.token,
      password,
    });
    const user = new HttpUser(deployment.url);
    await user.signIn(email, password);
    await user.acknowledgeGuidelines(campaignId);
    users.push(user);
  }
  return users;
}

/** A command-line option that must be a number above 0. */
export function positiveOption(options: Record<string, string | undefined>, name: string): number {
  const value = Number(options[name]);
  if (!(value > 0)) throw new Error(`--${name} must be a number above 0 (got ${options[name]}).`);
  return value;
}
