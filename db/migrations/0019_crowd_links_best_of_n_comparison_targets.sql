CREATE TYPE "public"."crowd_platform" AS ENUM('prolific', 'mturk');--> statement-breakpoint
CREATE TABLE "best_of_n_turns" (
	"turn_id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"n" integer NOT NULL,
	"best_response_id" uuid NOT NULL,
	"other_response_id" uuid NOT NULL,
	"samples" jsonb,
	"best_index" integer,
	"other_index" integer,
	"reward_model" text,
	"scored_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "crowd_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"platform" "crowd_platform" NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"token_hash" text NOT NULL,
	"token_prefix" text NOT NULL,
	"required_comparisons" integer NOT NULL,
	"completion_code" text NOT NULL,
	"comprehension_questions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"comprehension_attempts" integer DEFAULT 2 NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "crowd_links_required_comparisons_range" CHECK ("crowd_links"."required_comparisons" between 1 and 1000),
	CONSTRAINT "crowd_links_comprehension_attempts_range" CHECK ("crowd_links"."comprehension_attempts" between 1 and 10)
);
--> statement-breakpoint
CREATE TABLE "crowd_participants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"platform" "crowd_platform" NOT NULL,
	"participant_id" text NOT NULL,
	"link_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"study_id" text,
	"session_id" text,
	"submit_to" text,
	"comprehension_attempts_used" integer DEFAULT 0 NOT NULL,
	"passed_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "target_comparisons" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "target_reached_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "prompt_signatures" ADD COLUMN "clustered_at_threshold" real;--> statement-breakpoint
ALTER TABLE "campaign_reward_models" ADD COLUMN "best_of_n" integer;--> statement-breakpoint
ALTER TABLE "campaign_reward_models" ADD COLUMN "best_of_n_variant_id" uuid;--> statement-breakpoint
ALTER TABLE "best_of_n_turns" ADD CONSTRAINT "best_of_n_turns_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "best_of_n_turns" ADD CONSTRAINT "best_of_n_turns_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "best_of_n_turns" ADD CONSTRAINT "best_of_n_turns_best_response_id_responses_id_fk" FOREIGN KEY ("best_response_id") REFERENCES "public"."responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "best_of_n_turns" ADD CONSTRAINT "best_of_n_turns_other_response_id_responses_id_fk" FOREIGN KEY ("other_response_id") REFERENCES "public"."responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crowd_links" ADD CONSTRAINT "crowd_links_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crowd_links" ADD CONSTRAINT "crowd_links_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crowd_participants" ADD CONSTRAINT "crowd_participants_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crowd_participants" ADD CONSTRAINT "crowd_participants_link_id_crowd_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."crowd_links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crowd_participants" ADD CONSTRAINT "crowd_participants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "crowd_links_token_hash_key" ON "crowd_links" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "crowd_links_campaign_idx" ON "crowd_links" USING btree ("campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crowd_participants_identity_key" ON "crowd_participants" USING btree ("campaign_id","platform","participant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crowd_participants_user_key" ON "crowd_participants" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "crowd_participants_link_idx" ON "crowd_participants" USING btree ("link_id");--> statement-breakpoint
ALTER TABLE "campaign_reward_models" ADD CONSTRAINT "campaign_reward_models_best_of_n_variant_id_model_variants_id_fk" FOREIGN KEY ("best_of_n_variant_id") REFERENCES "public"."model_variants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_target_comparisons_positive" CHECK ("campaigns"."target_comparisons" > 0);--> statement-breakpoint
ALTER TABLE "campaign_reward_models" ADD CONSTRAINT "campaign_reward_models_best_of_n_range" CHECK ("campaign_reward_models"."best_of_n" between 4 and 8);