CREATE TABLE "generation_retries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"turn_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"annotator_id" uuid NOT NULL,
	"responses" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "turns_per_hour" integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "turns_per_day" integer DEFAULT 400 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "retries_per_turn" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "retries_per_hour" integer DEFAULT 20 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "concurrent_generations" integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE "generation_retries" ADD CONSTRAINT "generation_retries_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generation_retries" ADD CONSTRAINT "generation_retries_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "generation_retries" ADD CONSTRAINT "generation_retries_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "generation_retries_turn_idx" ON "generation_retries" USING btree ("turn_id");--> statement-breakpoint
CREATE INDEX "generation_retries_annotator_idx" ON "generation_retries" USING btree ("annotator_id","campaign_id","created_at");--> statement-breakpoint
CREATE INDEX "responses_in_flight_idx" ON "responses" USING btree ("turn_id") WHERE "responses"."status" in ('pending', 'streaming');--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_turns_per_hour_range" CHECK ("campaigns"."turns_per_hour" between 1 and 10000);--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_turns_per_day_range" CHECK ("campaigns"."turns_per_day" between 1 and 100000);--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_retries_per_turn_range" CHECK ("campaigns"."retries_per_turn" between 0 and 20);--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_retries_per_hour_range" CHECK ("campaigns"."retries_per_hour" between 1 and 10000);--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_concurrent_generations_range" CHECK ("campaigns"."concurrent_generations" between 1 and 20);