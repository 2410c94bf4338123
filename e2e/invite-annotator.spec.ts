// The admin invites an annotator; the annotator sets a password through the link, which signs
// them in, and is kept out of the admin pages.
import { alertIn, expect, signOut, test } from "./fixtures";

test("an invited annotator joins and is refused the admin pages", async ({ admin, page: annotator }) => {
  const annotatorEmail = `annotator-${Date.now()}@e2e.test`;
  const annotatorPassword = "annotator password 1";

  await test.step("the admin invites an annotator", async () => {
    await admin.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await expect(admin.page.getByRole("heading", { name: "Users" })).toBeVisible();
    const inviteForm = admin.page.getByRole("region", { name: "Invite someone" });
    await inviteForm.getByLabel("Email").fill(annotatorEmail);
    await inviteForm.getByLabel("Name (optional)").fill("Ann Otator");
    await inviteForm.getByLabel("Role").selectOption("annotator");
    await inviteForm.getByRole("button", { name: "Invite" }).click();
    await expect(inviteForm.getByRole("status")).toContainText(
      `Send this one-time link to ${annotatorEmail}`,
    );
    await expect(admin.page.getByRole("row", { name: new RegExp(annotatorEmail) })).toContainText("Invited");
  });

  const inviteLink = await admin.page.getByRole("textbox", { name: "Invitation link" }).inputValue();
  expect(inviteLink).toMatch(/\/invite\/[\w-]+$/);

  await test.step("the annotator sets a password through the link", async () => {
    await annotator.goto(inviteLink);
    await expect(
      annotator.getByText(`You were invited as annotator with the email ${annotatorEmail}`),
    ).toBeVisible();
    await annotator.getByLabel("New password").fill(annotatorPassword);
    await annotator.getByLabel("Confirm password").fill("something else entirely");
    await annotator.getByRole("button", { name: "Set password" }).click();
    await expect(alertIn(annotator)).toContainText("The two passwords are different");
    await annotator.getByLabel("Confirm password").fill(annotatorPassword);
    await annotator.getByRole("button", { name: "Set password" }).click();
    // Setting the password signs them in; they land on their home, or in their campaign when
    // exactly one is open to them (other specs' campaigns open to everyone count too).
    await expect(annotator.getByRole("button", { name: "Sign out" })).toBeVisible();
    await expect(annotator.getByRole("banner")).toContainText(annotatorEmail);
    await expect(annotator).toHaveURL(/\/(annotate\/[\w-]+)?$/);
  });

  await test.step("the link cannot be used twice", async () => {
    await annotator.goto(inviteLink);
    await expect(alertIn(annotator)).toContainText("This invitation link is not valid");
  });

  await test.step("the signed-in annotator is refused the admin pages", async () => {
    await annotator.goto("/");
    await expect(annotator.getByRole("link", { name: "Users" })).toHaveCount(0);
    for (const path of ["/admin/users", "/admin/audit"]) {
      await annotator.goto(path);
      await expect(
        annotator.getByRole("heading", { name: "You do not have access to this page" }),
      ).toBeVisible();
      await expect(
        annotator.getByText("This needs the admin role and your account is annotator."),
      ).toBeVisible();
    }
    // The API refuses too, not only the page.
    const response = await annotator.request.get("/api/trpc/users.list?input=%7B%22json%22%3A%7B%7D%7D");
    expect(response.status()).toBe(403);
  });

  await test.step("the admin sees the invitation and acceptance in the audit log", async () => {
    await admin.page.goto("/admin/audit");
    await expect(admin.page.getByRole("row", { name: /user\.invited/ }).first()).toContainText(
      annotatorEmail,
    );
    await expect(admin.page.getByRole("row", { name: /user\.invitation_accepted/ }).first()).toContainText(
      annotatorEmail,
    );
    await signOut(admin.page);
  });
});

test("a wrong password and an unknown account get the same clear message", async ({ page, users }) => {
  const account = await users.createAccount({ role: "annotator" });
  for (const [email, password] of [
    [account.email, "not the password"],
    ["nobody@e2e.test", "not the password"],
  ]) {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(alertIn(page)).toHaveText("Wrong email or password. Check both and try again.");
  }
});

test("an anonymous visitor is sent to sign in and comes back afterwards", async ({ page, users }) => {
  const admin = await users.createAccount({ role: "admin" });
  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fadmin%2Fusers/);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
});
