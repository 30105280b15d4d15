"""Prose samples for the mechanical checks: written to measure sentence-length spread (see
kimi_writer.guard.checks.MIN_SPREAD) and to test the checks on text that reads like a book.

VARIED: human-style scenes (long periodic sentences among short beats, a plain modern scene,
a dialogue-heavy scene). EVEN: a scene in the even cadence of model prose. FLAT: two scenes where
nearly every sentence runs 12 to 18 words.
"""

from __future__ import annotations

FOG = """\
# Chapter 1: The Fog

The fog came up the river at dusk, as it had every evening that week, and by six o'clock the lamps along the Embankment were no more than smudges of yellow in a grey wool that smelled of coal and tide. Hale stood at the parapet. He did not like the river.

Below him, on the steps that led down to the mud, two constables were arguing about a boot.

"It's his," said the younger one. "Has to be."

"Then where's the other?"

Nobody answered. The tide was going out, and with it went whatever else the man had owned: a hat, perhaps, a pipe, the last of his wages, his name. Mr. Pryce from the coroner's office arrived at a quarter past, wrapped in a coat too large for him and complaining about the cab, the cold, the hour and the Metropolitan Police in that order, and he knelt by the body with a lantern and did not speak for a long while.

"Well?" Hale said at last.

"Drowned. Or made to look it." Pryce held up a wrist. The skin was white and puckered, but around the bone ran a thin dark line, as neat as a seam. "Rope. Not long before he went in, either."

Hale looked at the line. Then he looked at the water, flat and brown and patient, sliding under the arches of Waterloo Bridge toward the sea. Somebody had tied this man's hands, walked him down these steps in the dark, and cut him loose again before the river took him, so that whoever found him would think what Hale had very nearly thought: another clerk with debts, another Friday night, another mercy of the tide.

He wrote it down. Wrist, rope, boot. The pencil was blunt.

"You'll want the name," Pryce said, standing, brushing at his knees. "There's a tailor's mark in the coat. Jessop's, Holborn. They'll know him."

"They'll know the coat."

"It's a start, Inspector."

It was. It was also, Hale thought, exactly the sort of start that somebody had meant him to have, and he stood on the wet stone a while longer after they had taken the body up, listening to the bells of St. Clement's count out seven, then eight, and watching the fog close over the place where the man had lain until there was nothing there at all.

At home, much later, he could not sleep.
"""

DOCKS = """\
# Chapter 2: The Docks

Jessop's was shut. A boy sweeping the step told Hale that Mr. Jessop had gone to his sister's in Deptford and would not be back until Thursday, and that the coat, if it was the brown one with the velvet collar, had been made for a Mr. Lambert who worked at the East India Docks and paid in instalments, when he paid at all.

So Hale went east.

The docks at noon were a different country. Cranes swung bales the size of cottages over his head; men shouted in six languages and swore in all of them; the air stank of tar and pepper and rotten oranges, and every few yards a cart came out of nowhere and he had to flatten himself against a wall. He found the counting house at the end of the third basin, a narrow brick building with a brass plate and a clerk behind a window who looked at his warrant card for a long time before he looked at him.

"Lambert," said the clerk. "Yes. He hasn't come in."

"Since when?"

"Since Friday." The clerk turned a page in his ledger. He had beautiful hands. "Is he in trouble?"

"He's dead."

The pen stopped. For a moment the clerk did nothing at all; then he set the pen down very carefully in its groove, squared the ledger with the edge of the desk, and said, in a voice that did not quite belong to him, that he was sorry to hear it, that Lambert had been a good worker, reliable, a family man.

Hale did not believe a word of it.

It was not the voice. Men's voices did strange things when they heard of a death, and he had long ago stopped reading anything into them. It was the ledger. The clerk had closed it, and he had closed it the way a man closes a door on a room he does not want you to see, and when Hale asked, mildly, whether Lambert had handled the Calcutta accounts, the clerk's left hand moved to cover the spine.

"I couldn't say, sir."

"Couldn't, or won't?"

Silence. Out on the basin a ship's bell rang twice, and a gull landed on the sill, looked in at them with one flat yellow eye, and flew off again.

"I'll come back," Hale said, "with a magistrate's order. Tomorrow. Perhaps you'll have remembered by then."

He walked out into the noise. He did not look back, because he knew without looking that the clerk was already reaching for his coat, and that tomorrow the ledger would be gone, and that this was, after all, what he had wanted to find out.
"""

BRIDGE = """\
# Chapter 9: Westminster Bridge

Dawn came slowly over the city, the way it does in November, not so much rising as seeping, a grey that grew less grey by degrees until the river had a colour again and the Houses of Parliament stood up out of the mist like something remembered.

Hale had been on the bridge for an hour.

He had walked there from Lambeth without meaning to, through streets where the lamplighters were already out with their poles, putting the night away one flame at a time, and he had stopped halfway across because his legs would not take him any further and because, from here, he could see both banks at once. On one side the law. On the other the house in Stangate where his brother was, he supposed, still asleep.

He had the ledger in his coat.

It was smaller than he had imagined: a cheap clothbound book, foxed at the corners, with a clerk's neat columns marching down every page and, on the forty-third, in a different hand, a list of seven names. Six of them he knew from the files. The seventh was his own.

Not Tom's. His.

He had read it a dozen times in the night, by the lamp in the station, then by the window when the lamp ran out, and each time he had hoped the letters would rearrange themselves into something else. They had not. W. Hale, Insp., and beside it a sum, and beside the sum a date, and the date was the Friday that Lambert had gone into the river.

Somebody had been paid in his name.

A cart rattled past, then a boy with newspapers, then a woman carrying a basket of watercress on her head, who glanced at him, at his face, and looked quickly away. He must look like a man about to jump. Perhaps he did. The water was a long way down and it was moving fast, brown and swollen with the night's rain, and it would be, he thought, very easy.

Instead he took out his pencil. The point was still blunt.

He wrote, on the inside cover of the ledger, under the clerk's tidy columns: I did not take this money. Then he looked at the sentence for a long time, and crossed it out, because it did not matter what he wrote; it mattered what he did; and there was only one thing left to do that a magistrate, or a brother, or the man he had been at twenty, could ever be asked to believe.

He turned around and walked back toward Scotland Yard.
"""

NIGHT_SHIFT = """\
# Chapter 3: Night Shift

Dana got to the hospital at ten past eleven. The car park was full, so she left the Fiat on the verge by the bins and ran.

Her mother was in bay four. Someone had drawn the curtain halfway, and through the gap Dana could see a foot under a blanket, very still, and a machine that blinked green.

"You're the daughter?"

A nurse. Young, tired, a biro behind one ear.

"Yes. Is she awake?"

"On and off. The doctor will come round at midnight, or thereabouts. You can sit with her if you like." The nurse pulled up a plastic chair. "She was asking for you earlier. Well. She was asking for someone called Dee."

"That's me."

"Right." The nurse smiled and went away.

Dana sat. Her mother looked smaller than she had at Christmas, as if somebody had let a little air out of her, and her hair, which she had always kept short and dyed a hard bright auburn, had grown out grey at the roots. There was a bruise on her forearm where the drip went in. Dana wanted to touch it and did not.

She checked her phone. Nothing from Rob. Nothing from work, either, which was a small mercy, because she had walked out of a budget meeting without a word to anyone and the inquest into that would come tomorrow.

At half past twelve the doctor had still not come.

Her mother opened her eyes. She looked at the ceiling first, then at the machine, then at Dana, and for a second there was nothing in her face at all, no recognition, nothing, and Dana felt her stomach drop.

Then: "You cut your hair."

"In March, Mum."

"It's too short." Her mother shut her eyes again. "Suits you, though."

Dana laughed, and then she was crying, quietly, with her hand over her mouth so as not to wake the man in the next bay, and she did not stop for a long time.
"""

BROTHER = """\
# Chapter 5: The Brother

"You came," Tom said.

"You asked me to."

"I didn't think you would." He pushed the door wider. The room behind him was dark, and smelled of gin. "Come in, then. Mind the step."

Hale minded the step. He stood in the middle of the floor with his hat in his hands while his brother lit a candle, and then another, and the room came up out of the dark around them: a bed, a chair, a table with a bottle on it, a coat on a nail.

"Sit."

"I'll stand."

"Suit yourself." Tom poured. "You want one?"

"No."

"No. Course not." He drank. "So. You've found Lambert."

"The river found Lambert. I found his coat."

"And the ledger."

"The clerk hid the ledger. That's how I know it matters." Hale turned his hat round once by the brim. "Your name's in it, isn't it?"

Tom laughed. It was not a good laugh. "Is that what you think?"

"I think you owed him money. I think he wanted it back. I think you were at the Embankment on Friday night, because Mrs. Doyle at the Feathers says you left at ten and you told her you had business by the water."

"Mrs. Doyle says a lot of things."

"She says them to me now."

For a while neither of them spoke. The candle guttered. Somewhere below a child was crying, and a woman's voice rose over it, sharp, then soft, then gone.

"I didn't kill him," Tom said.

"I didn't say you did."

"You didn't have to. It's all over your face. It always was, even when we were boys. You'd look at me like that when Father's watch went missing, and you'd say nothing, and you'd wait."

"Did you take the watch?"

"Of course I took the watch."

"Did you kill Lambert?"

"No." He set the glass down. "But I know who did. And you're not going to like it, Will. You're not going to like it at all."
"""

EVEN = """\
# Chapter 7: Shadows on the Water

The morning light filtered through the grimy windows of Scotland Yard, casting pale rectangles across Hale's cluttered desk. He had not slept, and the exhaustion pressed against the backs of his eyes like a physical weight. The ledger lay open before him, its columns of numbers blurring together as he stared at them. Somewhere in these pages was the answer he had been searching for all along.

Sergeant Byrne knocked once and entered without waiting for a reply. "Sir, there's someone here to see you. A woman. She says it's about Lambert."

Hale looked up sharply, his weariness forgotten in an instant. "Send her in."

The woman who entered was younger than he had expected, perhaps thirty, with dark hair pinned beneath a modest grey bonnet. Her hands trembled slightly as she clutched a small leather purse against her chest. She glanced around the cramped office as though searching for a way to escape.

"Please, sit down," Hale said gently, gesturing to the chair across from him. "I'm Inspector Hale. How can I help you?"

She sat on the very edge of the chair, her back straight and her eyes fixed on the ledger. "My name is Margaret Lambert. Thomas was my husband." Her voice wavered on the last word, but she recovered quickly. "I know what they are saying about him, Inspector. I know they think he took his own life."

"I don't believe that," Hale said quietly. "I believe someone killed him."

For a long moment she said nothing, and the silence stretched between them like a taut wire. Then she opened her purse with careful fingers and withdrew a folded piece of paper. She placed it on the desk and slid it toward him without a word.

Hale unfolded the paper and read the few lines written there in a cramped, hurried hand. His heart began to pound as the meaning of the words became clear. It was a list of names, and at the very bottom was a name he knew better than any other. He read it twice to be certain, then set the paper down very slowly.

"Where did you find this?" he asked, keeping his voice as steady as he could manage.

"In the lining of his coat," Margaret replied. "The one they returned to me. I thought you should have it."

Hale nodded, though his mind was already racing ahead to the conversation he would have to have. The name at the bottom of the list was his brother's, written in the same cramped hand as the rest. He thanked Mrs. Lambert and promised to call on her as soon as he had news. When she had gone, he sat alone in the grey light for a long time, staring at the paper. Outside, the bells of Westminster began to toll the hour, deep and mournful across the river. He folded the list and placed it inside the ledger, then reached for his coat. There was only one person who could tell him the truth now, and he dreaded what that truth might be.
"""

WAREHOUSE = """\
# Chapter 4: The Warehouse

The warehouse stood at the end of the lane, dark against the grey evening sky. Hale approached it slowly, aware of every sound the wet cobblestones made beneath his boots. The door was unlocked, which surprised him more than he wanted to admit to himself. Inside, the air smelled of damp wood and old rope and something sweeter underneath it all. He lit his lantern and held it high, letting the light move across the crates. Each crate bore the same stamp, a black anchor above the words of a Calcutta firm. He pried one open with his knife and found it packed with straw and nothing else. The second crate was the same, and the third, and the fourth, and the fifth. Someone had gone to a great deal of trouble to make this place look busy. Hale felt a cold certainty settle in his chest as he moved deeper into the dark. At the back of the building he found a small office with a desk and a chair. The desk drawers had been emptied, but a scrap of paper remained caught in the runner. He pulled it free and held it to the lantern, squinting at the faded ink. It was a receipt, signed with initials he recognised from the ledger at the docks. His heart began to beat faster as he realised what the initials might mean. He folded the receipt carefully and placed it in the inner pocket of his coat. Outside, the rain had started again, drumming softly on the slate roof above him. He thought of his brother, and of the last time they had spoken as friends. The memory was painful, but he made himself hold it for a long moment. Then he blew out the lantern and stood in the darkness, listening to the rain. Somewhere in the distance a dog barked twice and then fell silent again. Hale stepped back into the lane and pulled his collar up against the cold wind. He knew that tomorrow would bring answers, whether he wanted them or not.
"""

LETTER = """\
# Chapter 6: The Letter

The letter arrived on Tuesday morning, delivered by a boy who would not give his name. Hale turned it over in his hands, studying the careful copperplate of the address. The paper was thick and expensive, the kind used by solicitors and wealthy merchants. He broke the seal with his thumb and unfolded the single sheet inside with care. The message was brief, only three lines, but each word seemed chosen with great precision. It asked him to come alone to the chapel at St. Bride's after the evening service. There was no signature, only a small drawing of an anchor in the lower corner. Hale recognised the anchor at once from the crates he had seen in the warehouse. He set the letter down on his desk and stared at it for a long time. Part of him wanted to take it straight to the Superintendent and be done with it. Another part of him knew that doing so would close a door he needed open. He thought about his brother, and about the name he had found in the ledger. The morning passed slowly as he worked through a pile of reports he barely read. At noon he ate a cold pie at his desk without tasting any of it at all. By four o'clock the light was already failing and the lamps were being lit outside. He put on his coat and his hat and told the sergeant he was going home early. The sergeant looked at him strangely but said nothing, which Hale was grateful for. The walk to Fleet Street took twenty minutes through crowds of clerks heading home. The chapel was nearly empty when he arrived, and the last of the worshippers were leaving. He took a seat in the back pew and waited, his hands folded in his lap. Candles flickered on the altar, casting long shadows across the worn stone floor of the nave. After a while he heard footsteps behind him, slow and deliberate on the flagstones. He did not turn around, because he already knew whose footsteps they were.
"""

VARIED = [FOG, DOCKS, BRIDGE, NIGHT_SHIFT, BROTHER]
FLAT = [WAREHOUSE, LETTER]

REPETITIVE = """\
# Chapter 8: The Ledger

Hale opened the ledger on the kitchen table. The sky outside was the colour of old bruises, and the kettle had long gone cold.

"Read it to me," he said quietly.

Tom read. His voice was flat. Hale did not interrupt him, not once, though the names came like blows.

"Again," he said quietly.

Hale did not look up when his brother stopped. The page under the lamp had gone the colour of old bruises too, or seemed to. Hale did not know how long they sat there.

"Mr. Pryce knew," Tom said at last. "Dr. Shaw knew. Everyone knew... except you."

"Then tell me the rest," he said quietly.

* * *

By morning the river was the colour of old bruises. Hale did not sleep. Somewhere a bell rang.
"""
