CREATE TYPE "public"."integrity_report_status" AS ENUM('running', 'done', 'failed');--> statement-breakpoint
CREATE TYPE "public"."turn_flag_kind" AS ENUM('identity-leak', 'identity-question');--> statement-breakpoint
CREATE TABLE "integrity_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"status" "integrity_report_status" DEFAULT 'running' NOT NULL,
	"report" jsonb,
	"error" text,
	"requested_by_id" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "turn_flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"turn_id" uuid NOT NULL,
	"kind" "turn_flag_kind" NOT NULL,
	"response_id" uuid,
	"matched" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "integrity_reports" ADD CONSTRAINT "integrity_reports_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrity_reports" ADD CONSTRAINT "integrity_reports_requested_by_id_users_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turn_flags" ADD CONSTRAINT "turn_flags_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turn_flags" ADD CONSTRAINT "turn_flags_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turn_flags" ADD CONSTRAINT "turn_flags_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "integrity_reports_campaign_idx" ON "integrity_reports" USING btree ("campaign_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "turn_flags_turn_kind_key" ON "turn_flags" USING btree ("turn_id","kind");--> statement-breakpoint
CREATE INDEX "turn_flags_campaign_idx" ON "turn_flags" USING btree ("campaign_id","kind");